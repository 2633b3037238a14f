-- Bring one course of an armed term up to date (its capacity, grades, weekdays, times or status
-- changed, or it is new to the term) without rebuilding the term. Seats left move by the change
-- of capacity only: the seats taken are the engine's own (some may not be in Postgres yet). A
-- course new to the engine has nobody's seat in it yet but Postgres's.
--
-- KEYS: 1 armed, 2 seats, 3 courses
-- ARGV: 1 database identity, 2 course id, 3 encoded course
--       ("grades mask,weekday mask,start minute,end minute,status,capacity"),
--       4 capacity, 5 seats taken in Postgres
-- Returns 1 when updated, 0 when the term is not armed from this database, -1 when the engine's
-- copy of the course does not say its capacity (armed before capacities were kept): re-arm.

if redis.call('HGET', KEYS[1], 'db') ~= ARGV[1] then
  return 0
end
local known = redis.call('HGET', KEYS[3], ARGV[2])
if known then
  local capacity = string.match(known, '^%d+,%d+,%d+,%d+,%a+,(%d+)$')
  if not capacity then
    return -1
  end
  redis.call('HINCRBY', KEYS[2], ARGV[2], tonumber(ARGV[4]) - tonumber(capacity))
else
  redis.call('HSET', KEYS[2], ARGV[2], tonumber(ARGV[4]) - tonumber(ARGV[5]))
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return 1
