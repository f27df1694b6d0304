/* The files of lunet's pages (the reports of "lunet test --report", the
 * live view of "lunet web"), compiled into the binary like the Lua
 * library, so that a page needs nothing beside lunet and opens without a
 * network.  Each is NUL-terminated. */
	.section .rodata
	.global lunet_uplot_js
lunet_uplot_js:
	.incbin "tools/assets/uPlot.iife.min.js"
	.byte 0
	.global lunet_uplot_css
lunet_uplot_css:
	.incbin "tools/assets/uPlot.min.css"
	.byte 0
	.global lunet_report_js
lunet_report_js:
	.incbin "tools/assets/report.js"
	.byte 0
	.global lunet_report_css
lunet_report_css:
	.incbin "tools/assets/report.css"
	.byte 0
	.global lunet_web_js
lunet_web_js:
	.incbin "tools/assets/web.js"
	.byte 0
	.global lunet_web_css
lunet_web_css:
	.incbin "tools/assets/web.css"
	.byte 0
	.section .note.GNU-stack,"",@progbits
