-- wrk script for the GET scenarios: counts responses whose status is not the expected one
-- (wrk itself only flags statuses outside 2xx/3xx, so a 302 where a 200 was expected would go
-- unnoticed). Usage: wrk -s status.lua -H 'Cookie: ...' URL -- <expected status>
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   expected = tonumber(args[1]) or 200
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
