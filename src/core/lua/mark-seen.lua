-- Writes one idempotency marker per key (SET NX EX): the markers of one event-loop tick in one call.
-- KEYS[1..] one marker per accepted event
-- ARGV[1] marker TTL (s)
-- Returns one number per key: 1 new, 0 seen before.
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('SET', key, '1', 'EX', ARGV[1], 'NX') and 1 or 0
end
return out
