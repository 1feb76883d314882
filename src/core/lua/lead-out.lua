-- A lead leaves a stage: counted in and out once and, when it leaves the pipeline, marked terminal
-- with the run status refreshed. One round trip for what every stage does last. A lead approved on
-- to the send stage joins the run's sending set until it ends, so the sweeper finds leads stranded
-- after approval without reading every lead of the run.
-- KEYS[1] run hash
-- KEYS[2] the run's terminal set
-- KEYS[3] the run's awaiting set
-- KEYS[4] the run's held set
-- KEYS[5] the stage's in-set
-- KEYS[6] the stage's done-set
-- KEYS[7] the run's sending set
-- ARGV[1] now (ISO): finished_at when the run completes
-- ARGV[2] lead ref
-- ARGV[3] stage
-- ARGV[4] outcome: out, dropped or errors
-- ARGV[5] now (ms)
-- ARGV[6] '1' when the lead leaves the pipeline here
-- Returns 0 for a lead that goes on, else the run status after the refresh.
if redis.call('SADD', KEYS[5], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[3] .. '.in', 1)
  redis.call('HSETNX', KEYS[1], ARGV[3] .. '.started_at', ARGV[5])
end
if redis.call('SADD', KEYS[6], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[3] .. '.' .. ARGV[4], 1)
  local ended = tonumber(redis.call('HGET', KEYS[1], ARGV[3] .. '.ended_at') or '0')
  if tonumber(ARGV[5]) > ended then redis.call('HSET', KEYS[1], ARGV[3] .. '.ended_at', ARGV[5]) end
end
if ARGV[6] ~= '1' then
  if ARGV[3] == 'approve' and ARGV[4] == 'out' then redis.call('SADD', KEYS[7], ARGV[2]) end
  return 0
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[2])
redis.call('SREM', KEYS[7], ARGV[2])
-- The same KEYS[1..3] and ARGV[1] as refresh-run-status.lua, which the loader puts here.
--#include refresh-run-status.lua
