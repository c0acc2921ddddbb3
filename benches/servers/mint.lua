-- wrk script for the scale mode: logs in (POST /login) and writes the session cookie of each
-- response, one `name=value` a line, to a file, until it has <count>; then creates <file>.done
-- and stops the thread.
-- Run it with -t1 (one thread writes the file) and a bounded -d.
-- Usage: wrk -t1 -s mint.lua URL/login -- <count> <file> [cookie name]
wrk.method = "POST"
wrk.body = "username=alice&password=secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function init(args)
   wanted = tonumber(args[1]) or 1000
   out = assert(io.open(args[2], "w"))
   done_marker = args[2] .. ".done"
   prefix = (args[3] or "id") .. "="
   minted = 0
   failed = 0
end

function response(status, headers, body)
   if minted >= wanted then
      return
   end
   local cookie = nil
   for name, value in pairs(headers) do
      if string.lower(name) == "set-cookie" and string.sub(value, 1, #prefix) == prefix then
         cookie = string.match(value, "^[^;]+")
      end
   end
   if status == 302 and cookie then
      out:write(cookie, "\n")
      minted = minted + 1
      if minted >= wanted then
         out:close()
         -- The marker run.sh waits for: wrk itself sleeps out its whole -d.
         assert(io.open(done_marker, "w")):close()
         wrk.thread:stop()
      end
   else
      failed = failed + 1
   end
end
