#!/usr/bin/env bash
# The mock agent: a real, light process that speaks a line protocol with MockAdapter over a raw PTY.
# Deterministic and scriptable through the user's message; needs no credentials. Bash builtins only (no process
# per event): 5,000 deltas take a few milliseconds of CPU.
#
# Usage: mock-agent.sh <generation> <permission_mode> [<native_session_id>]
#   generation: how many times this session's agent has started (1, 2, ...); prefixes every id, so ids stay
#   unique across restarts of one session. permission_mode "bypass" grants permissions without asking.
#   native_session_id: the id to resume; a new "mock-..." id otherwise.
#
# Text fields (the rest of a line) are escaped by the adapter and passed through untouched: %25 is "%", %0A a line
# feed, %0D a carriage return, %00 a NUL. No other byte is special (quotes, backslashes, tabs, UTF-8 go as is).
#
# Input, one line each (from the adapter):
#   T <turn_id>              a turn begins; then
#   L <text>                 one line of the user's message (one command), repeated; then
#   E                        the message is complete: run it, then end the turn
#   P <id> <reply>           permission reply: once | always | reject
#   Q <id> A <answer>        question answered;   Q <id> R   question rejected
#   I                        interrupt the running turn
# Output, one line each (to the adapter):
#   READY <native_session_id>
#   MSG <item> <text>                 a whole assistant message
#   MSG_START <item> | DELTA <item> <text> | MSG_END <item>      a streamed one
#   TOOL <item> <call_id> <name> <arguments> | RESULT <item> <call_id> <output>
#   PERM_REQ <id> <action> | PERM_RES <id> <accept|accept_for_session|reject> <action>
#   Q_REQ <id> <prompt> | Q_RES <id> answered <answer> | Q_RES <id> rejected
#   ERROR <text>
#   TURN_END <completed|interrupted|error> <turn_id>   error: the turn printed an ERROR line (and was not interrupted)
set -u
export LC_ALL=C # bytes in, bytes out; and "." as the decimal point of read -t

if [[ -z ${EPOCHREALTIME:-} ]]; then
  printf 'mock-agent needs bash 5 or newer; this is bash %s\n' "$BASH_VERSION" >&2
  exit 2
fi

generation=${1:-$$}
permission_mode=${2:-default}
native=${3:-}
[[ -n $native ]] || native="mock-${EPOCHREALTIME//[!0-9]/}-$$"

declare -A counters=()
queue=()       # input lines that arrived while a turn ran: the next turn's, kept for later
partial=""     # the start of a line that a read timeout cut
interrupted=0
failed=0 # whether the running turn printed an ERROR line
turn=""
commands=()

printf 'READY %s\n' "$native"

# Sets ID to the next id of a kind: <kind>_<generation>_<n>.
next_id() {
  counters[$1]=$(( ${counters[$1]:-0} + 1 ))
  ID="$1_${generation}_${counters[$1]}"
}

now_us() { NOW=${EPOCHREALTIME//[!0-9]/}; }

# Reads one input line into LINE. $1: seconds to wait at most ("" waits forever).
# Returns 0 with a line, 1 on timeout (a partial line is kept for the next call). Exits at end of input: the
# adapter is gone.
read_input() {
  local got rc
  if [[ -n $1 ]]; then
    IFS= read -r -t "$1" got; rc=$?
  else
    IFS= read -r got; rc=$?
  fi
  if (( rc == 0 )); then
    LINE=$partial$got
    partial=""
    return 0
  fi
  if (( rc > 128 )); then
    partial+=$got
    return 1
  fi
  exit 0
}

# Waits for an input line starting with $1 ("" for none) for at most $2 seconds ("" for no limit).
# Returns 0 when it came (GOT is the rest of the line), 1 on timeout, 2 on interrupt. Lines of a next turn are
# queued for later; replies to requests nobody waits for are dropped.
wait_for() {
  local prefix=$1 limit=$2 deadline left timeout
  if [[ -n $limit ]]; then
    now_us
    to_us "$limit"
    deadline=$(( NOW + US ))
  fi
  while :; do
    timeout=""
    if [[ -n $limit ]]; then
      now_us
      left=$(( deadline - NOW ))
      (( left > 0 )) || return 1
      printf -v timeout '%d.%06d' $(( left / 1000000 )) $(( left % 1000000 ))
    fi
    read_input "$timeout" || continue
    if [[ $LINE == I ]]; then
      interrupted=1
      return 2
    fi
    if [[ -n $prefix && $LINE == "$prefix"* ]]; then
      GOT=${LINE#"$prefix"}
      return 0
    fi
    case $LINE in
      "P "* | "Q "*) ;;
      *) queue+=("$LINE") ;;
    esac
  done
}

# Takes input that is already there without waiting: an interrupt during a fast command.
poll_input() {
  while read -t 0; do
    read_input 0.05 || return 0
    case $LINE in
      I) interrupted=1; return 0 ;;
      "P "* | "Q "*) ;;
      *) queue+=("$LINE") ;;
    esac
  done
}

# Sets US to the microseconds in a decimal number of seconds ("2", "0.25").
to_us() {
  local s=$1 int frac
  int=${s%%.*}
  if [[ $s == *.* ]]; then frac=${s#*.}000000; frac=${frac:0:6}; else frac=000000; fi
  US=$(( 10#${int:-0} * 1000000 + 10#$frac ))
}

# Undoes the adapter's escaping, for text that leaves the protocol (stderr). NUL cannot live in bash: dropped.
decode() {
  local t=${1//%0A/$'\n'}
  t=${t//%0D/$'\r'}
  t=${t//%00/}
  DECODED=${t//%25/%}
}

# An error of the turn: said, and remembered so that the turn ends with status error, as a real agent's does.
fail() {
  printf 'ERROR %s\n' "$1"
  failed=1
}

say() {
  next_id msg
  printf 'MSG %s %s\n' "$ID" "$1"
}

# stream <count> [<milliseconds> [stamped]]: "stamped" (paced streams only) writes each delta as "<i>@<seconds>.<us> ",
# the wall clock when the mock writes it, so that a client can time agent write -> SSE receive (bench/run's latency).
cmd_stream() {
  local n ms stamped extra i item wait=""
  read -r n ms stamped extra <<<"$1"
  if ! [[ ${n:-} =~ ^[0-9]+$ && ${ms:-0} =~ ^[0-9]+$ && -z ${extra:-} ]] \
      || ! [[ -z ${stamped:-} || ( $stamped == stamped && $ms =~ [1-9] ) ]]; then
    fail "usage: stream <count> [<milliseconds> [stamped]] (stamped needs milliseconds > 0), got: $1"
    return
  fi
  n=$(( 10#$n )); ms=$(( 10#${ms:-0} ))
  (( ms > 0 )) && printf -v wait '%d.%03d' $(( ms / 1000 )) $(( ms % 1000 ))
  next_id msg; item=$ID
  printf 'MSG_START %s\n' "$item"
  if [[ -n $wait ]]; then
    for (( i = 1; i <= n; i++ )); do
      if [[ -n ${stamped:-} ]]; then
        printf 'DELTA %s %d@%s \n' "$item" "$i" "$EPOCHREALTIME"
      else
        printf 'DELTA %s %d \n' "$item" "$i"
      fi
      (( i < n )) && wait_for "" "$wait"
      (( interrupted )) && break
    done
  else
    # No pause asked: the deltas go out 200 lines per write. A printf per line was one write(2) to the PTY each,
    # 9-15 us of CPU per line: the mock, not the server, set the ceiling of the streaming benchmark
    # (docs/benchmarks.md). An interrupt is still seen every 200 lines, as before.
    local block=""
    for (( i = 1; i <= n; i++ )); do
      block+="DELTA $item $i "$'\n'
      if (( i % 200 == 0 )); then
        printf '%s' "$block"
        block=""
        poll_input
        (( interrupted )) && break
      fi
    done
    [[ -z $block ]] || printf '%s' "$block"
  fi
  printf 'MSG_END %s\n' "$item"
}

cmd_tool() {
  local name=${1%% *} args="" item call
  [[ $1 == *" "* ]] && args=${1#* }
  [[ -n $name ]] || name=tool
  next_id msg; item=$ID
  next_id call; call=$ID
  printf 'TOOL %s %s %s %s\n' "$item" "$call" "$name" "$args"
  next_id msg
  printf 'RESULT %s %s %s ran with %s\n' "$ID" "$call" "$name" "$args"
}

cmd_permission() {
  local action=$1 id status
  if [[ $permission_mode == bypass ]]; then
    say "permission $action granted"
    return
  fi
  next_id perm; id=$ID
  printf 'PERM_REQ %s %s\n' "$id" "$action"
  if ! wait_for "P $id " ""; then
    printf 'PERM_RES %s reject %s\n' "$id" "$action" # interrupted: the request does not stay open
    return
  fi
  case $GOT in
    once) status=accept ;;
    always) status=accept_for_session ;;
    *) status=reject ;;
  esac
  printf 'PERM_RES %s %s %s\n' "$id" "$status" "$action"
  if [[ $status == reject ]]; then say "permission $action denied"; else say "permission $action granted"; fi
}

cmd_question() {
  local prompt=$1 id answer
  next_id q; id=$ID
  printf 'Q_REQ %s %s\n' "$id" "$prompt"
  if ! wait_for "Q $id " ""; then
    printf 'Q_RES %s rejected\n' "$id"
    return
  fi
  if [[ $GOT == A || $GOT == "A "* ]]; then
    answer=${GOT#A}; answer=${answer# }
    printf 'Q_RES %s answered %s\n' "$id" "$answer"
    say "you answered $answer"
  else
    printf 'Q_RES %s rejected\n' "$id"
    say "question rejected"
  fi
}

run_command() {
  local line=$1 verb rest=""
  [[ $line == *[![:space:]]* ]] || return 0 # blank
  verb=${line%% *}
  [[ $line == *" "* ]] && rest=${line#* }
  case $verb in
    echo) say "$rest" ;;
    stream) cmd_stream "$rest" ;;
    tool) cmd_tool "$rest" ;;
    permission) cmd_permission "$rest" ;;
    question) cmd_question "$rest" ;;
    sleep)
      if [[ $rest =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        wait_for "" "$rest"
      else
        fail "usage: sleep <seconds>, got: $rest"
      fi
      ;;
    stderr) decode "$rest"; printf '%s\n' "$DECODED" >&2 ;;
    exit)
      if [[ $rest =~ ^[0-9]{1,3}$ ]] && (( 10#$rest <= 255 )); then exit $(( 10#$rest )); fi
      fail "usage: exit <code 0-255>, got: $rest"
      ;;
    unparsed) printf '?? %s\n' "$rest" ;;
    error) fail "$rest" ;;
    *) say "mock: you said $line" ;;
  esac
}

run_turn() {
  local c status
  interrupted=0
  failed=0
  for c in "${commands[@]}"; do
    run_command "$c"
    (( interrupted )) && break
  done
  if (( interrupted )); then status=interrupted; elif (( failed )); then status=error; else status=completed; fi
  printf 'TURN_END %s %s\n' "$status" "$turn"
  commands=()
  turn=""
  interrupted=0
}

while :; do
  if (( ${#queue[@]} )); then
    LINE=${queue[0]}
    queue=("${queue[@]:1}")
  else
    read_input ""
  fi
  case $LINE in
    "T "*) turn=${LINE#T }; commands=() ;;
    "L "*) commands+=("${LINE#L }") ;;
    L) commands+=("") ;;
    E) run_turn ;;
    *) ;; # a late interrupt or reply after its turn ended: nothing to do
  esac
done
