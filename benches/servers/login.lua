-- wrk script for the login scenario: POST /login with the form, each request without a cookie
-- (wrk keeps none), so each one is a fresh login. Counts responses that are not the expected
-- status (302). Usage: wrk -s login.lua URL/login -- [expected status]
wrk.method = "POST"
wrk.body = "username=alice&password=secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   expected = tonumber(args[1]) or 302
   unexpected = 0
   last_unexpected = 0
end

function response(status, headers, body)
   if status ~= expected then
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
