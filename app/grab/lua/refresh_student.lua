-- Bring one student of an armed term up to date (a binding, an agreement or insurance recorded
-- during the window) without rebuilding the term: their readiness and guardians only; the seats
-- they hold are the engine's own. Nothing happens when the term is not armed.
--
-- KEYS: 1 armed, 2 students, 3 guardians
-- ARGV: 1 student id, 2 encoded student ("grade,ready,round two"), 3 guardian ids ("1,2", or '')
-- Returns 1 when the student was updated, 0 when the term is not armed.

if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
end
return 1
