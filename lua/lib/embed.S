/* The Lua library and the default topology, compiled into the binary so
 * that lunet is one file with nothing to install beside it. */
	.section .rodata
	.global lunet_lua_src
lunet_lua_src:
	.incbin "lua/lib/lunet.lua"
	.byte 0
	.global lunet_topo_src
lunet_topo_src:
	.incbin "lua/lib/topo.lua"
	.byte 0
	.global lunet_test_src
lunet_test_src:
	.incbin "lua/lib/test.lua"
	.byte 0
	.global lunet_routing_src
lunet_routing_src:
	.incbin "lua/lib/routing.lua"
	.byte 0
	.global lunet_explore_src
lunet_explore_src:
	.incbin "lua/lib/explore.lua"
	.byte 0
	.global lunet_explore_run_src
lunet_explore_run_src:
	.incbin "lua/lib/explore_run.lua"
	.byte 0
	.global lunet_explore_main_src
lunet_explore_main_src:
	.incbin "lua/lib/explore_main.lua"
	.byte 0
	.global lunet_replay_src
lunet_replay_src:
	.incbin "lua/lib/replay.lua"
	.byte 0
	.global lunet_default_src
lunet_default_src:
	.incbin "examples/default.lua"
	.byte 0
	.section .note.GNU-stack,"",@progbits
