# lunet web: the live view of an emulation left up, in headless Chromium
# driven through chromedriver (tests/integration/webview.py): every node
# and link in the page, a link set down in the console red in the page
# within a second, set up again from the page, a node's panel, a node
# added in the console drawn anew, a screenshot.  The server answers only on 127.0.0.1 by default; bound
# elsewhere (127.0.0.2) every request needs its token; it ends with its
# emulation and on SIGTERM; and the errors.
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is needed (tools/deps)"
command -v chromedriver >/dev/null || fail "chromedriver is needed (tools/deps)"
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_web LOG ARGS...: lunet web in the background; WEB_PID, and waits
# for the URL it prints (WEB_URL).
start_web() {
	local log=$1 i
	shift
	"$LUNET" web "$@" >"$log" 2>&1 &
	WEB_PID=$!
	at_exit "kill $WEB_PID"
	for i in $(seq 100); do
		WEB_URL=$(grep -o 'http://[^ ]*' "$log" || true)
		[ -n "$WEB_URL" ] && return 0
		alive "$WEB_PID" || { cat "$log"; fail "lunet web $* ended"; }
		sleep 0.05
	done
	cat "$log"
	fail "lunet web $* printed no URL"
}
# stop_web: SIGTERM, and it must be gone within 5 s, status 0.
stop_web() {
	local i
	kill -TERM "$WEB_PID"
	for i in $(seq 100); do
		alive "$WEB_PID" || break
		sleep 0.05
	done
	alive "$WEB_PID" && fail "lunet web outlived SIGTERM by 5 s"
	wait "$WEB_PID" || fail "lunet web exited $? on SIGTERM"
}
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
change() { code -X POST -H "X-Lunet-Request: 1" "$@"; }

expect_fail "usage: lunet web" "$LUNET" web
expect_fail "no emulation named 'nosuch'" "$LUNET" web nosuch
expect_fail "--port: 'x' is not a TCP port" "$LUNET" web nosuch --port x
expect_fail "--addr: '1.2.3' is not an IPv4 address" "$LUNET" web nosuch --addr 1.2.3

e=$(emu_name web)
expect_ok "$LUNET" up --name "$e" "$SRC/examples/routers.lua"
port=$(free_port)
start_web "$TMP/web.log" "$e" --port "$port"
[ "$WEB_URL" = "http://127.0.0.1:$port/" ] || fail "the URL is $WEB_URL"
[ "$(code "$WEB_URL")" = 200 ] || fail "no page on $WEB_URL"
WEB_URL=${WEB_URL%/}
[ "$(code "$WEB_URL/api/topo")" = 200 ] || fail "no /api/topo"
[ "$(code "$WEB_URL/nothing")" = 404 ] || fail "not 404 for /nothing"
[ "$(change "$WEB_URL/api/link?id=99&op=down")" = 400 ] || fail "a link that is not"
[ "$(change "$WEB_URL/api/link?id=0&op=impair&spec=delay%3B%20rm")" = 400 ] ||
	fail "an impairment with a ';'"
# What another site's page could send: a change without the header, a
# request for another host name (DNS rebinding).
[ "$(code -X POST "$WEB_URL/api/link?id=4&op=down")" = 403 ] ||
	fail "a change without X-Lunet-Request"
[ "$(code -H "Host: evil.example:$port" "$WEB_URL/api/topo")" = 403 ] ||
	fail "a request for another host"
[ "$(code "http://localhost:$port/api/topo")" = 200 ] || fail "localhost refused"
# Bound to 127.0.0.1 only: the rest of 127/8 is refused.
curl -s -o /dev/null --max-time 5 "http://127.0.0.2:$port/" &&
	fail "127.0.0.2 reached the server bound to 127.0.0.1"

# The browser.
python3 "$SRC/tests/integration/webview.py" "$WEB_URL/" "$LUNET" "$e" r1 r2 \
	"$TMP/shot.png" || fail "the live view"
# The page's impair went through the console.
[ "$(change "$WEB_URL/api/link?id=4&op=impair&spec=delay%2020ms")" = 200 ] ||
	fail "impair from the page"
expect_ok "$LUNET" impair "$e" r1 r2
grep -q "delay 20ms" "$TMP/out" || fail "the page's impair did not reach the link"
stop_web

# Elsewhere, with a token: 127.0.0.2 (loopback, so nothing leaves this
# machine).  Without the token, or with another, 403.
port=$(free_port)
start_web "$TMP/web2.log" "$e" --port "$port" --addr 127.0.0.2
echo "$WEB_URL" | grep -Eq "^http://127\.0\.0\.2:$port/\?token=[a-z0-9]{32}$" ||
	fail "no token in $WEB_URL"
token=${WEB_URL#*token=}
[ "$(code "http://127.0.0.2:$port/")" = 403 ] || fail "no token, not 403"
[ "$(code "http://127.0.0.2:$port/api/state?token=wrong${token:5}")" = 403 ] ||
	fail "a wrong token, not 403"
[ "$(change "http://127.0.0.2:$port/api/link?id=4&op=down")" = 403 ] ||
	fail "a link set down without the token"
[ "$(code "$WEB_URL")" = 200 ] || fail "the token's URL, not 200"
[ "$(code "http://127.0.0.2:$port/api/state?token=$token")" = 200 ] ||
	fail "/api/state with the token, not 200"
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/" &&
	fail "127.0.0.1 reached the server bound to 127.0.0.2"
# It ends with its emulation.
expect_ok "$LUNET" down "$e"
for i in $(seq 60); do
	alive "$WEB_PID" || break
	sleep 0.05
done
alive "$WEB_PID" && fail "lunet web outlived its emulation by 3 s"
wait "$WEB_PID" && fail "lunet web exited 0 when its emulation ended"
grep -q "the emulation ended" "$TMP/web2.log" || fail "no word of the end"
echo "t_web: ok"
