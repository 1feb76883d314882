-- A call through the breaker succeeded: a half-open breaker closes.
-- KEYS[1] the breaker's state hash
-- KEYS[2] the breaker's probe marker
-- Returns the transition made ('half_open>closed'), or ''.
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'half_open' then
  redis.call('HSET', KEYS[1], 'state', 'closed')
  redis.call('HDEL', KEYS[1], 'open_until', 'fail_count', 'window_start')
  redis.call('DEL', KEYS[2])
  return 'half_open>closed'
end
return ''
