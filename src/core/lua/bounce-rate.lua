-- Marks an address bounced and counts the bounced addresses among the recent sends.
-- KEYS[1] the recent sends list
-- KEYS[2] the set of bounced addresses
-- ARGV[1] the address that bounced
-- Returns {bounced among the recent sends, recent sends}.
redis.call('SADD', KEYS[2], ARGV[1])
local sends = redis.call('LRANGE', KEYS[1], 0, -1)
local bounced = 0
for _, email in ipairs(sends) do
  if redis.call('SISMEMBER', KEYS[2], email) == 1 then bounced = bounced + 1 end
end
return {bounced, #sends}
