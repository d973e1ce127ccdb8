// Package web holds Frontline's static map frontend: plain HTML, CSS and
// JavaScript with vendored libraries, no build step and no CDN.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Static returns the frontend files rooted at static/, for http.FileServerFS.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "static" is a constant.
		panic(err)
	}
	return sub
}
