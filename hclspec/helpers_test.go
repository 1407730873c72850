package hclspec

import "strings"

// stringsBuilder is a strings.Builder usable as an io.Writer in tests.
type stringsBuilder = strings.Builder
