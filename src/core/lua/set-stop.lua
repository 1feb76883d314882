-- Sets the cluster-wide stop flag with who, why and when in one step, so no reader ever sees a
-- stop without its author and reason (they were a second write, and a status read between the
-- two showed "stopped by nobody"). A flag that is already set is left as it is.
-- KEYS[1] the stop flag hash
-- ARGV[1] when (ISO time)
-- ARGV[2] by
-- ARGV[3] reason
-- Returns 1 when this call set the flag, 0 when it was already set.
if redis.call('HSETNX', KEYS[1], 'at', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'by', ARGV[2], 'reason', ARGV[3])
return 1
