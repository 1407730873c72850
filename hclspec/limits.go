package hclspec

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Limits of the spec language (docs/language.md, "Limits"). A spec that goes past one is refused
// with a diagnostic naming the file and the limit, before it can exhaust memory or the stack.
const (
	// MaxSpecFileBytes bounds each *.ferry.hcl file and each --var-file.
	MaxSpecFileBytes = 16 << 20
	// DefaultMaxFileBytes bounds what file() reads; Options.MaxFileBytes (--max-file-size) raises it.
	DefaultMaxFileBytes = 64 << 20
	// MaxNestingDepth bounds how deeply expressions nest: brackets, braces, parentheses, template
	// interpolations and quotes, plus the operators that make the parser or the evaluator recurse
	// (unary, binary and conditional operators within one item of a list, object or call).
	MaxNestingDepth = 256
)

// scanFrame is one open bracket of the pre-scan, with the operators met in its current item.
type scanFrame struct {
	open  hclsyntax.TokenType
	start hcl.Range
	ops   int
}

// checkNesting refuses src when its expressions nest deeper than MaxNestingDepth. It runs before the
// HCL parser, which recurses once per level (a spec nested 100 000 deep would overflow the stack, a
// fatal error no recover() catches), and uses HCL's own scanner, which does not recurse and knows
// strings, comments and heredocs.
func checkNesting(src []byte, filename string) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	stack := make([]scanFrame, 1, 64) // frame 0: the file's body
	depth := 0                        // len(stack)-1 + the operators of every open frame
	for _, t := range tokens {
		top := &stack[len(stack)-1]
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenTemplateInterp,
			hclsyntax.TokenTemplateControl, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			stack = append(stack, scanFrame{open: t.Type, start: t.Range})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			if len(stack) > 1 {
				depth -= 1 + top.ops
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			depth -= top.ops
			top.ops = 0
		case hclsyntax.TokenNewline:
			// A newline ends an attribute (in a body) or an item (in an object); inside brackets and
			// parentheses an expression goes on.
			if top.open == hclsyntax.TokenOBrace || len(stack) == 1 {
				depth -= top.ops
				top.ops = 0
			}
		case hclsyntax.TokenQuestion, hclsyntax.TokenBang, hclsyntax.TokenMinus, hclsyntax.TokenPlus,
			hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenAnd, hclsyntax.TokenOr,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq:
			top.ops++
			depth++
		}
		if depth > MaxNestingDepth {
			rng := t.Range
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Expression nested too deeply",
				Detail: fmt.Sprintf("This expression nests more than %d levels deep (brackets, parentheses, templates and operators "+
					"counted together); ferry refuses it before parsing. Split it into locals.", MaxNestingDepth),
				Subject: &rng,
			}}
		}
	}
	return nil
}

// checkSize refuses a spec or variables file larger than MaxSpecFileBytes.
func checkSize(name string, size int64) *hcl.Diagnostic {
	if size <= MaxSpecFileBytes {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "File too large",
		Detail: fmt.Sprintf("%s is %d bytes; ferry reads spec and variables files of at most %d bytes (%d MiB). "+
			"Keep large data in a CSV or JSON file read with file().", name, size, MaxSpecFileBytes, MaxSpecFileBytes>>20),
		Subject: &hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos},
	}
}

// ReadSpecFile reads a spec file for tools that take one alone (ferry fmt): a regular file of at
// most MaxSpecFileBytes.
func ReadSpecFile(path string) ([]byte, error) {
	src, err := regfile.Read(path, MaxSpecFileBytes)
	if err != nil && errors.Is(err, regfile.ErrTooLarge) {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes (%d MiB) of a spec file", path, MaxSpecFileBytes, MaxSpecFileBytes>>20)
	}
	return src, err
}

// ParseFile parses one file of HCL native syntax as the loader does: nesting deeper than
// MaxNestingDepth is a diagnostic, found before the parser recurses into it. The file is nil then.
func ParseFile(src []byte, name string) (*hcl.File, hcl.Diagnostics) {
	if diags := checkEncoding(src, name); diags.HasErrors() {
		return nil, diags
	}
	if diags := checkNesting(src, name); diags.HasErrors() {
		return nil, diags
	}
	return hclsyntax.ParseConfig(src, name, hcl.InitialPos)
}

// sizeText writes a byte count for a message: "64 MiB" when a whole number of MiB, else "N bytes".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkEncoding refuses src when it is not UTF-8 (a binary file, or another encoding): one
// diagnostic at the first invalid byte, before the scanner, which would report every invalid byte
// and allocate tokens for each (a 16 MiB binary file took gigabytes).
func checkEncoding(src []byte, filename string) hcl.Diagnostics {
	if utf8.Valid(src) {
		return nil
	}
	pos := hcl.Pos{Line: 1, Column: 1}
	for pos.Byte < len(src) {
		r, size := utf8.DecodeRune(src[pos.Byte:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		pos.Byte += size
		pos.Column++
		if r == '\n' {
			pos.Line, pos.Column = pos.Line+1, 1
		}
	}
	end := pos
	end.Byte++
	end.Column++
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid character encoding",
		Detail: fmt.Sprintf("The file is not UTF-8: byte 0x%02x at line %d, column %d is not valid UTF-8 (is it a binary file?). All input files must be UTF-8 encoded.",
			src[pos.Byte], pos.Line, pos.Column),
		Subject: &hcl.Range{Filename: filename, Start: pos, End: end},
	}}
}
