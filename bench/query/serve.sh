# Sourced by run.sh and ab.sh. start_server AMAN_COMMAND...: adds the analyst `loadtest`
# (password $password) when missing, starts `aman serve` on 127.0.0.1:$port in the
# background, waits for it and logs in. Sets server_pid and token.
start_server() {
  AMAN_PASSWORD=$password "$@" user add loadtest --role analyst >/dev/null 2>&1 || true
  "$@" --bind "127.0.0.1:$port" serve >/dev/null 2>&1 &
  server_pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json"; do
    kill -0 "$server_pid"
    sleep 0.2
  done
  token=$(curl -s -H 'content-type: application/json' \
    -d "{\"username\":\"loadtest\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}
