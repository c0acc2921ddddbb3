//! "Did you mean" hints for a misspelt argument.

/// The message for an unknown argument: names it, and suggests the closest valid one or else
/// says what the attribute takes. `what` is how the attribute is written, e.g.
/// "`#[login_required]`".
pub(crate) fn unknown_argument(what: &str, wrong: &str, valid: &[&str], takes: &str) -> String {
    match closest(wrong, valid) {
        Some(suggestion) => {
            format!("{what} has no argument `{wrong}`; did you mean `{suggestion}`?")
        }
        None => format!("{what} has no argument `{wrong}`; {takes}"),
    }
}

/// The closest valid name to a misspelt one, for "did you mean" hints.
fn closest<'a>(wrong: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|candidate| (edit_distance(wrong, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= candidate.len().max(3) / 3 + 1)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_argument() {
        assert_eq!(closest("frsh", &["fresh", "crate"]), Some("fresh"));
        assert_eq!(closest("crates", &["fresh", "crate"]), Some("crate"));
        assert_eq!(closest("anything", &["fresh", "crate"]), None);
        assert_eq!(
            closest("activ", &["id", "active", "auth_hash"]),
            Some("active")
        );
    }
}
