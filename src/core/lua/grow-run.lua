-- A run that takes in leads as they come (the day's website visitors) grows by some leads; one that
-- had completed is running again.
-- KEYS[1] run hash
-- ARGV[1] how many leads join
-- Returns the run's total after the change.
local total = redis.call('HINCRBY', KEYS[1], 'total', tonumber(ARGV[1]))
if redis.call('HGET', KEYS[1], 'status') == 'completed' then
  redis.call('HDEL', KEYS[1], 'finished_at')
  redis.call('HSET', KEYS[1], 'status', 'running')
end
return total
