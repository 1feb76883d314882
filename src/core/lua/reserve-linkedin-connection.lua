-- Reserves one LinkedIn connection request for a sender, atomically across the cluster, checking in
-- order: the day cap (lowered by the ramp while the sender is new), the rolling-week cap; then
-- counts it. A lead already counted (a retried step) is answered ok without counting it again.
-- KEYS[1] the sender's day counter
-- KEYS[2] the sender's rolling week (lead refs by time)
-- KEYS[3] the sender's first use (ms)
-- ARGV[1] now (ms)
-- ARGV[2] a cadence day (ms)
-- ARGV[3] daily cap
-- ARGV[4] weekly cap
-- ARGV[5] lead ref
-- ARGV[6] the rolling week's TTL (ms)
-- ARGV[7] the day counter's TTL (ms)
-- ARGV[8..] the ramp: the daily cap of each of the sender's first weeks
-- Returns {status, detail}: ok (count today), ramp or daily (the cap), weekly (ms of the oldest in the week).
local now = tonumber(ARGV[1])
local dayMs = tonumber(ARGV[2])
local weekMs = dayMs * 7
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - weekMs)
if redis.call('ZSCORE', KEYS[2], ARGV[5]) then return {'ok', '0'} end
local first = tonumber(redis.call('GET', KEYS[3]) or ARGV[1])
local cap = tonumber(ARGV[3])
local rampLen = #ARGV - 7
local week = math.floor((now - first) / weekMs)
local ramped = false
if week < rampLen and tonumber(ARGV[8 + week]) < cap then
  cap = tonumber(ARGV[8 + week])
  ramped = true
end
local today = tonumber(redis.call('GET', KEYS[1]) or '0')
if today >= cap then return {ramped and 'ramp' or 'daily', tostring(cap)} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'weekly', oldest[2]}
end
redis.call('SET', KEYS[3], ARGV[1], 'NX')
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {'ok', tostring(today + 1)}
