# bash completion for lunet(1)                                 -*- sh -*-
#
# "make install" puts it in $(PREFIX)/share/bash-completion/completions/lunet,
# where the bash-completion package loads it the first time lunet is
# completed; without that package, source it from ~/.bashrc.  It needs
# nothing of bash-completion's.
#
# The commands and each command's options are asked of the lunet being
# completed ("lunet help", "lunet COMMAND --help"), so they are always that
# binary's.  Emulation and node names are read from the records under
# ${LUNET_STATE_DIR:-/run/lunet} (NAME/state, see core/control/state.c)
# with the shell's own read: completing starts no process for them.  The
# topology generators are lua/lib/topo.lua's (tests/integration/
# t_install.sh checks the list).

# COMPREPLY: what "compgen ARG..." prints, a word a line.
_lunet_compgen()
{
	mapfile -t COMPREPLY < <(compgen "$@" 2>/dev/null)
}

# The commands "lunet help" lists, into REPLY.
_lunet_commands()
{
	local line on=
	REPLY=
	while IFS= read -r line; do
		if [[ $line == Commands: ]]; then
			on=1
		elif [[ $on && $line =~ ^\ \ ([a-z0-9]+) ]]; then
			REPLY+=" ${BASH_REMATCH[1]}"
		elif [[ $on ]]; then
			break
		fi
	done < <("$1" help 2>/dev/null)
}

# The options "lunet CMD --help" lists (lines "  -x, --long ARG  text"),
# into _lunet_opts; those that take an argument also into _lunet_args, as
# OPTION=ARG.
_lunet_options()
{
	local line spec part arg
	_lunet_opts=(--help)
	_lunet_args=()
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]+(-[^[:space:]].*) ]] || continue
		spec=${BASH_REMATCH[1]%%  *}
		arg=${spec##*, }
		arg=${arg#* }
		[[ $arg == -* ]] && arg=
		while [[ $spec ]]; do
			part=${spec%%, *}
			[[ $spec == *", "* ]] && spec=${spec#*, } || spec=
			_lunet_opts+=("${part%% *}")
			[[ $arg ]] && _lunet_args+=("${part%% *}=$arg")
		done
	done < <("$1" "$2" --help 2>/dev/null)
}

# The names of the emulations recorded on this machine, into REPLY.
_lunet_emulations()
{
	local f
	REPLY=
	for f in "${LUNET_STATE_DIR:-/run/lunet}"/*/state; do
		[[ -f $f ]] || continue
		f=${f%/state}
		REPLY+=" ${f##*/}"
	done
}

# The nodes of emulation $1, into REPLY: the "node NAME KIND" lines,
# which come before the links.
_lunet_nodes()
{
	local kw name rest f=${LUNET_STATE_DIR:-/run/lunet}/$1/state
	REPLY=
	[[ $1 != */* && -r $f ]] || return
	while read -r kw name rest; do
		case $kw in
		node) REPLY+=" $name" ;;
		link) break ;;
		esac
	done <"$f"
}

# The interfaces of node $2 of emulation $1, into REPLY: lo, a switch's
# br0, and its end of every link ("link A IF ADDR B IF ADDR MTU").
_lunet_interfaces()
{
	local kw a ifa b ifb rest f=${LUNET_STATE_DIR:-/run/lunet}/$1/state
	REPLY=
	[[ $1 != */* && -r $f ]] || return
	REPLY=lo
	while read -r kw a ifa _ b ifb rest; do
		case $kw in
		node) [[ $a == "$2" && $ifa == switch ]] && REPLY+=" br0" ;;
		link)
			[[ $a == "$2" ]] && REPLY+=" $ifa"
			[[ $b == "$2" ]] && REPLY+=" $ifb"
			;;
		esac
	done <"$f"
}

# --topo SPEC: a generator's name, then after "NAME," its options.
_lunet_topo()
{
	local cur=$1 keys
	if [[ $cur != *,* ]]; then
		_lunet_compgen -W "fattree leafspine linear torus tree" \
			-- "$cur"
		return
	fi
	case ${cur%%,*} in
	fattree) keys=k ;;
	leafspine) keys="spines leaves hosts_per_leaf" ;;
	linear) keys=n ;;
	torus) keys="x y switch" ;;
	tree) keys="depth fanout" ;;
	*) return ;;
	esac
	[[ ${cur##*,} == *=* ]] && return
	_lunet_compgen -P "${cur%,*}," -S = -W "$keys" -- "${cur##*,}"
	compopt -o nospace 2>/dev/null
}

# File names: those matching $2 (a glob) and directories, or any file
# when none matches.
_lunet_files()
{
	local cur=$1
	compopt -o filenames 2>/dev/null
	if [[ $2 ]]; then
		_lunet_compgen -f -X "!$2" -- "$cur"
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
		((${#COMPREPLY[@]})) && return
	fi
	_lunet_compgen -f -- "$cur"
}

# The argument of option $1, named $2 in the help (FILE, DIR...).
_lunet_optarg()
{
	case $1 in
	-t | --topo) _lunet_topo "$cur" ;;
	-m | --machines)
		# lunet plan, run, up: the three kinds of spec, to be finished by hand
		_lunet_compgen -W "local: ssh:// k8s:" -- "$cur"
		compopt -o nospace 2>/dev/null
		;;
	--addr) ;; # lunet web: an address of this machine's
	-T | --format) _lunet_compgen -W "svg png dot" -- "$cur" ;;
	-a | --attach)
		[[ $cmd == web ]] && return 0 # -a, --addr
		_lunet_emulations
		_lunet_compgen -W "$REPLY" -- "$cur"
		;;
	--from)
		_lunet_nodes "$emu"
		_lunet_compgen -W "$REPLY" -- "$cur"
		;;
	*)
		case $2 in
		FILE) _lunet_files "$cur" ;;
		DIR)
			compopt -o filenames 2>/dev/null
			_lunet_compgen -d -- "$cur"
			;;
		FIELD)
			_lunet_compgen -W "link packets bytes drops errors" \
				-- "$cur"
			;;
		esac
		;;
	esac
	return 0
}

# The argument option $1 takes (FILE...), into REPLY; empty if none.
_lunet_argof()
{
	local a
	REPLY=
	for a in "${_lunet_args[@]}"; do
		[[ ${a%%=*} == "$1" ]] && REPLY=${a#*=}
	done
	return 0
}

_lunet()
{
	local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]-} cmd
	local cword=$COMP_CWORD i w opt='' arg='' emu='' npos=0 posix='' REPLY
	local -a _lunet_opts _lunet_args words=("${COMP_WORDS[@]}")
	COMPREPLY=()
	# A "~/bin/lunet" typed on the line is not expanded yet.
	# shellcheck disable=SC2088
	[[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}

	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			_lunet_compgen -W "--help --version" -- "$cur"
		else
			_lunet_commands "$bin"
			_lunet_compgen -W "$REPLY" -- "$cur"
		fi
		return 0
	fi
	cmd=${words[1]}
	_lunet_options "$bin" "$cmd"
	# These stop at their first operand (getopt's "+"): what follows,
	# dashes included, is operands (exec: the command's own arguments).
	case $cmd in
	run | up | console | down | exec | ls | doctor) posix=1 ;;
	esac

	# '=' and ':' break words in bash: "--topo=" and "h1:" end in a word
	# of their own, and what is completed is the empty word after it.
	if [[ $cur == = || $cur == : ]]; then
		words=("${words[@]:0:cword+1}" "")
		((cword++))
		cur=
	fi

	# The words before the current one: options, their arguments and
	# operands (npos of them; the first names the emulation).
	for ((i = 2; i < cword; i++)); do
		w=${words[i]}
		if [[ ${words[i + 1]-} == = ]]; then
			((i += 2)) # --opt=VALUE
		elif [[ $w == : ]]; then
			((i++)) # NODE:IF: the IF
		elif [[ $w == -?* ]] && ! [[ $posix && $npos -gt 0 ]]; then
			_lunet_argof "$w"
			if [[ $REPLY ]] && ((i + 1 == cword)); then
				opt=$w arg=$REPLY
			elif [[ $REPLY ]]; then
				((i++))
			fi
		else
			((npos++ == 0)) && emu=$w
		fi
	done

	if [[ ${words[cword - 1]} == = && ${words[cword - 2]} == --* ]]; then
		_lunet_argof "${words[cword - 2]}"
		_lunet_optarg "${words[cword - 2]}" "$REPLY"
		return 0
	fi
	if [[ $cmd == capture && ${words[cword - 1]} == : ]]; then
		_lunet_interfaces "$emu" "${words[cword - 2]}"
		_lunet_compgen -W "$REPLY" -- "$cur"
		return 0
	fi
	if [[ $opt ]]; then
		_lunet_optarg "$opt" "$arg"
		return 0
	fi
	if [[ $cur == -* ]] && ! [[ $posix && $npos -gt 0 ]]; then
		_lunet_compgen -W "${_lunet_opts[*]}" -- "$cur"
		return 0
	fi

	case $cmd:$npos in
	run:0 | up:0 | console:0 | plan:0 | test:* | explore:0 | replay:1)
		_lunet_files "$cur" '*.lua'
		;;
	graph:0)
		# A topology file or a running emulation.
		_lunet_files "$cur" '*.lua'
		local files=("${COMPREPLY[@]}")
		_lunet_emulations
		_lunet_compgen -W "$REPLY" -- "$cur"
		COMPREPLY+=("${files[@]}")
		;;
	apply:1) _lunet_files "$cur" '*.lua' ;;
	replay:0) _lunet_files "$cur" '*.jsonl' ;;
	down:* | clean:* | stats:0 | exec:0 | impair:0 | capture:0 | apply:0 | web:0)
		_lunet_emulations
		_lunet_compgen -W "$REPLY" -- "$cur"
		;;
	capture:*)
		if [[ $cur == *:* ]]; then
			# ':' breaks no words here (COMP_WORDBREAKS was changed).
			_lunet_interfaces "$emu" "${cur%%:*}"
			_lunet_compgen -P "${cur%%:*}:" -W "$REPLY" \
				-- "${cur#*:}"
		else
			_lunet_nodes "$emu"
			_lunet_compgen -W "$REPLY" -- "$cur"
		fi
		;;
	exec:1 | impair:1 | impair:2)
		_lunet_nodes "$emu"
		_lunet_compgen -W "$REPLY" -- "$cur"
		;;
	exec:2) _lunet_compgen -c -- "$cur" ;;
	exec:*) _lunet_files "$cur" ;;
	impair:*) _lunet_compgen -W "clear" -- "$cur" ;;
	help:0)
		_lunet_commands "$bin"
		_lunet_compgen -W "$REPLY" -- "$cur"
		;;
	esac
	return 0
}

complete -F _lunet lunet
