-- Put a freshly built term in place at once: each staging key replaces its live key, the
-- "armed" marker last, so a grab sees either the old state (or none) or the whole new one.
--
-- KEYS: staging keys then live keys, pairwise: 1..n staging, n+1..2n live (armed is the last pair)
-- Returns the number of keys swapped.

local n = #KEYS / 2
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[n + i])
  else
    redis.call('DEL', KEYS[n + i])
  end
end
return n
