-- Recomputes the run status from its counters; stopped, failed and completed are sticky here.
-- KEYS[1] run hash
-- KEYS[2] the run's terminal set
-- KEYS[3] the run's awaiting set
-- ARGV[1] now (ISO): finished_at when the run completes
-- Returns the status after the refresh (nil for a run that does not exist).
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'stopped' or status == 'failed' or status == 'completed' then return status end
local total = redis.call('HGET', KEYS[1], 'total')
if not total then return status end
total = tonumber(total)
local terminal = redis.call('SCARD', KEYS[2])
local awaiting = redis.call('SCARD', KEYS[3])
local next = 'running'
if terminal >= total then
  next = 'completed'
  redis.call('HSET', KEYS[1], 'finished_at', ARGV[1])
elseif awaiting > 0 and terminal + awaiting >= total then
  next = 'awaiting_approval'
end
if next ~= status then redis.call('HSET', KEYS[1], 'status', next) end
return next
