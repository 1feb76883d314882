-- A call through the breaker failed (an outage): counted in the window, and the breaker opens at
-- the threshold; a failed probe opens it again.
-- KEYS[1] the breaker's state hash
-- KEYS[2] the breaker's probe marker
-- ARGV[1] failures that open the breaker
-- ARGV[2] failure window (ms)
-- ARGV[3] cooldown (ms)
-- ARGV[4] reason
-- Returns {transition or '', open until (ms) when the breaker is (now) open, else 0}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'open' then return {'', tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')} end
if state == 'half_open' then
  redis.call('HSET', KEYS[1], 'state', 'open', 'open_until', now + tonumber(ARGV[3]), 'reason', ARGV[4])
  redis.call('DEL', KEYS[2])
  return {'half_open>open', now + tonumber(ARGV[3])}
end
local window_start = tonumber(redis.call('HGET', KEYS[1], 'window_start') or '0')
if now - window_start > tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'window_start', now, 'fail_count', 0)
end
local count = redis.call('HINCRBY', KEYS[1], 'fail_count', 1)
if count >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'state', 'open', 'open_until', now + tonumber(ARGV[3]), 'reason', ARGV[4])
  redis.call('HDEL', KEYS[1], 'fail_count', 'window_start')
  return {'closed>open', now + tonumber(ARGV[3])}
end
return {'', 0}
