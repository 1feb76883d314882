-- A sliding window kept as the times of the last `max` grants (a list, oldest first): a new call is
-- granted at the first moment it would be the only one in its window beyond those `max`, i.e. at
-- most `max` calls in ANY `per` ms. The slot is reserved atomically and the caller told how long to
-- wait for it. The clock is Redis's, so every worker agrees on "now".
-- KEYS[1] the provider's grant list
-- ARGV[1] max calls per window
-- ARGV[2] window (ms)
-- ARGV[3] longest wait worth reserving (ms)
-- ARGV[4] how long the list outlives its last slot's window (ms)
-- Returns the wait in ms, or -wait when the wait is too long (nothing reserved).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local at = now
local n = redis.call('LLEN', KEYS[1])
if n > 0 then
  local last = tonumber(redis.call('LINDEX', KEYS[1], -1))
  if last > at then at = last end
end
if n >= max then
  local oldest = tonumber(redis.call('LINDEX', KEYS[1], -max))
  if oldest + per > at then at = oldest + per end
end
local wait = at - now
if wait > tonumber(ARGV[3]) then return -wait end
redis.call('RPUSH', KEYS[1], at)
redis.call('LTRIM', KEYS[1], -max, -1)
redis.call('PEXPIRE', KEYS[1], wait + per + tonumber(ARGV[4]))
return wait
