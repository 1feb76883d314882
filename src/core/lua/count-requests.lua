-- Counts requests per client address in fixed windows, for every client of one batch at once
-- (the webhook routes' per-IP limit): each counter grows by its requests and expires with its window.
-- ARGV[1] the window's length (ms)
-- KEYS[1..] one counter per client address and window
-- ARGV[2..] how many requests each counter takes, in the order of the keys
-- Returns each counter's value after the batch.
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCRBY', key, tonumber(ARGV[i + 1]))
  redis.call('PEXPIRE', key, ARGV[1])
end
return counts
