// Package hclspec loads ferry specs: every *.ferry.hcl file of a directory is parsed into a source
// model that keeps expressions unevaluated (decode.go), then evaluated in dependency order —
// variables, locals, for_each, resource instances, imports, depends_on — into the typed instances of
// package providers (eval*.go). Every problem is an hcl.Diagnostic with the source range of the
// offending value; package views renders them with source snippets. Load makes no network call.
package hclspec
