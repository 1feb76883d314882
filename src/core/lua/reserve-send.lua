-- Reserves one send atomically: the stop flag, the idempotency key and the daily counter are checked
-- and written in one step, so a retry or a second worker can never send twice or pass the cap.
-- KEYS[1] the send's idempotency key (address and step)
-- KEYS[2] the day's send counter
-- KEYS[3] the day of the first send (for the warm-up ramp)
-- KEYS[4] the emergency stop flag
-- ARGV[1] today's cap
-- ARGV[2] today (the counter's local day)
-- ARGV[3] the day counter's TTL (s)
-- Returns {'stopped', '0'}, {'duplicate', stored value}, {'cap', count} or {'ok', count after}.
if redis.call('EXISTS', KEYS[4]) == 1 then return {'stopped', '0'} end
local existing = redis.call('GET', KEYS[1])
if existing then return {'duplicate', existing} end
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if count >= tonumber(ARGV[1]) then return {'cap', tostring(count)} end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], 'reserved')
redis.call('SETNX', KEYS[3], ARGV[2])
return {'ok', tostring(count + 1)}
