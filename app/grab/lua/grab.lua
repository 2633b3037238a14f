-- One grab attempt, atomically: window (by this server's clock), the caller a guardian of the
-- student (as armed; the caller re-checks Postgres on a refusal), student ready and eligible, not
-- holding the course, no time conflict, under the limit, a seat left -> take the seat, record the
-- claim and the idempotent answer, append to the stream.
--
-- KEYS: 1 armed, 2 seats, 3 courses, 4 students, 5 held, 6 idempotency key, 7 stream, 8 guardians,
--       9 the parent's turn (gate.lua): given back here, whatever the answer, when this attempt
--       holds it
-- ARGV: 1 student id, 2 course id, 3 user id, 4 idempotency key (for the stream), 5 its TTL (s),
--       6 '1' when gated: the attempt must hold the turn, 7 the identity of the database the
--       caller writes to: a term armed from another database is not trusted
-- Returns {code, seats left, round, grab id, grabbed at (ms)}; code "ok" or a refusal slug, or
-- "held" while round one waits for its draw: the attempt passed every rule but the seat count,
-- and becomes an entry of the draw (the grab id is then the draw's due time, ms).

local function fields(value)
  local parts = {}
  for part in string.gmatch(value .. '|', '([^|]*)|') do
    table.insert(parts, part)
  end
  return parts
end

local function give_back_turn()
  if redis.call('GET', KEYS[9]) == ARGV[4] then
    redis.call('DEL', KEYS[9])
  end
end

-- The answer given before to this Idempotency-Key: "code|seats|round|grab id|at|student|course|db".
local replay = redis.call('GET', KEYS[6])
if replay then
  local first = fields(replay)
  if first[8] ~= nil and first[8] ~= ARGV[7] then
    redis.call('DEL', KEYS[6])  -- given for another database's user: not this caller's answer
  elseif first[6] ~= nil and (first[6] ~= ARGV[1] or first[7] ~= ARGV[2]) then
    give_back_turn()
    return {'idempotency-key-reused', -1, 0, '', 0}
  else
    give_back_turn()
    return {first[1], tonumber(first[2]), tonumber(first[3]), first[4], tonumber(first[5]), 'replay'}
  end
end

-- Sent right behind gate.lua in one pipeline: go on only if the gate gave this attempt the turn.
if redis.call('GET', KEYS[9]) == ARGV[4] then
  redis.call('DEL', KEYS[9])
elseif ARGV[6] == '1' then
  return {'not-admitted', -1, 0, '', 0}
end

local armed = redis.call('HMGET', KEYS[1], 'grab_opens', 'closes', 'round2_opens', 'round2_closes', 'max_courses', 'db', 'draw_at')
if not armed[1] or armed[6] ~= ARGV[7] then
  return {'engine-rebuilding', -1, 0, '', 0}
end

-- Only a guardian of the student learns anything about the grab.
local guardians = ',' .. (redis.call('HGET', KEYS[8], ARGV[1]) or '') .. ','
if not string.find(guardians, ',' .. ARGV[3] .. ',', 1, true) then
  return {'not-your-child', -1, 0, '', 0}
end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local round
if now >= tonumber(armed[1]) and now < tonumber(armed[2]) then
  round = 1
elseif now >= tonumber(armed[3]) and now < tonumber(armed[4]) then
  round = 2
elseif now < tonumber(armed[1]) then
  return {'window-not-open', -1, 0, '', now}
else
  -- Between the rounds, round two is still to open for the students of cancelled courses.
  if now < tonumber(armed[3]) then
    local waiting = redis.call('HGET', KEYS[4], ARGV[1])
    if waiting and string.sub(waiting, -2) == ',1' then
      return {'window-not-open', -1, 2, '', now}
    end
  end
  return {'window-closed', -1, 0, '', now}
end

local student_id, course_id = ARGV[1], ARGV[2]
local course = redis.call('HGET', KEYS[3], course_id)
if not course then
  return {'unknown-course', -1, round, '', now}
end
local grades, days, c_start, c_end, status = string.match(course, '^(%d+),(%d+),(%d+),(%d+),(%a+)')
grades, days, c_start, c_end = tonumber(grades), tonumber(days), tonumber(c_start), tonumber(c_end)

local student = redis.call('HGET', KEYS[4], student_id)
if not student then
  return {'unknown-student', -1, round, '', now}
end
local grade, ready, in_round2 = string.match(student, '^(%d+),(%d),(%d)$')
if ready ~= '1' then
  return {'prerequisites-missing', -1, round, '', now}
end
if round == 2 and in_round2 ~= '1' then
  return {'not-in-round', -1, round, '', now}
end
if status == 'cancelled' then
  return {'course-cancelled', -1, round, '', now}
end
if bit.band(grades, bit.lshift(1, tonumber(grade))) == 0 then
  return {'not-eligible', -1, round, '', now}
end

local held = redis.call('HGET', KEYS[5], student_id) or ''
local count = 0
for other_id in string.gmatch(held, '%d+') do
  if other_id == course_id then
    return {'already-enrolled', -1, round, '', now}
  end
  count = count + 1
  local other = redis.call('HGET', KEYS[3], other_id)
  if other then
    local _, o_days, o_start, o_end = string.match(other, '^(%d+),(%d+),(%d+),(%d+),')
    if bit.band(days, tonumber(o_days)) ~= 0 and c_start < tonumber(o_end) and tonumber(o_start) < c_end then
      return {'time-conflict', -1, round, '', now}
    end
  end
end
if count >= tonumber(armed[5]) then
  return {'limit-reached', -1, round, '', now}
end

-- Held until the draw is served, even past its due time: those held late follow the drawn.
local draw_at = tonumber(armed[7] or '0') or 0
if round == 1 and draw_at > 0 then
  return {'held', -1, round, tostring(draw_at), now}
end

local seats = tonumber(redis.call('HGET', KEYS[2], course_id) or '0')
if seats <= 0 then
  return {'course-full', 0, round, '', now}
end

seats = redis.call('HINCRBY', KEYS[2], course_id, -1)
if held == '' then
  redis.call('HSET', KEYS[5], student_id, course_id)
else
  redis.call('HSET', KEYS[5], student_id, held .. ',' .. course_id)
end
local grab_id = redis.call('XADD', KEYS[7], '*', 'student', student_id, 'course', course_id,
  'round', round, 'user', ARGV[3], 'key', ARGV[4], 'at', now, 'db', ARGV[7])
redis.call('SET', KEYS[6], table.concat({'ok', seats, round, grab_id, now, student_id, course_id, ARGV[7]}, '|'),
  'EX', tonumber(ARGV[5]))
return {'ok', seats, round, grab_id, now}
