-- wrk script for the scale mode: GET /protected, cycling round-robin through the first <count>
-- session cookies of <file> (one `name=value` a line), so the server sees <count> distinct
-- sessions. The requests are formatted once, in init. Counts responses that are not 200.
-- Usage: wrk -t1 -s scale.lua URL/protected -- <file> <count> [user agent]
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local wanted = tonumber(args[2]) or 1000
   local agent = args[3] or "login-runtime-bench"
   requests = {}
   for line in io.lines(args[1]) do
      if #requests >= wanted then
         break
      end
      requests[#requests + 1] = wrk.format("GET", wrk.path, {
         ["Host"] = wrk.headers["Host"],
         ["User-Agent"] = agent,
         ["Cookie"] = line,
      })
   end
   assert(#requests == wanted, "the cookie file has fewer cookies than asked for")
   next_request = 0
   unexpected = 0
   last_unexpected = 0
end

function request()
   next_request = next_request % #requests + 1
   return requests[next_request]
end

function response(status, headers, body)
   if status ~= 200 then
      unexpected = unexpected + 1
      last_unexpected = status
   end
end

function done(summary, latency, requests)
   local total, last = 0, 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("unexpected")
      if thread:get("last_unexpected") ~= 0 then last = thread:get("last_unexpected") end
   end
   io.write(string.format("unexpected_status %d (last %d)\n", total, last))
end
