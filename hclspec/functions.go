package hclspec

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// fileReader reads files for the file() function and remembers what it read, so that the spec
// hash covers them.
type fileReader struct {
	dir      string
	limit    int64 // the most file() reads of one file
	restrict bool  // file() only inside dir (--restrict-files)
	// mu guards read and csvs: the instances of a large block are evaluated on several goroutines.
	mu   sync.Mutex
	read map[string]string // path as given → content
	csvs []csvTable        // what csvdecode decoded, to say which file and row a value came from
}

// csvTable is one decoded CSV: the file it was read from ("" when not from file()) and its rows.
type csvTable struct {
	path    string
	columns []string
	rows    []cty.Value
}

// functions returns the function table of the spec language. It is built per Load: file() is
// bound to the spec directory and records what it reads.
func functions(fr *fileReader) map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"can":             tryfunc.CanFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       fr.csvdecodeFunc(),
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"file":            fr.fileFunc(),
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          lengthFunc(),
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strlen":          stdlib.StrlenFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"try":             tryfunc.TryFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
}

// fileFunc is file(path): the content of a UTF-8 text file, path relative to the spec directory.
func (fr *fileReader) fileFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Reads the UTF-8 text file at path, relative to the spec directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			full := p
			if !filepath.IsAbs(full) {
				full = filepath.Join(fr.dir, p)
			}
			data, err := fr.readFile(p, full)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "%s", err)
			}
			if !utf8.ValidString(data) {
				return cty.NilVal, function.NewArgErrorf(0, "the contents of %q are not valid UTF-8", p)
			}
			fr.mu.Lock()
			fr.read[p] = data
			fr.mu.Unlock()
			return cty.StringVal(data), nil
		},
	})
}

// readFile reads the file p (full: its path) for file(), within the limits: a regular file, at most
// fr.limit bytes, inside the spec directory with --restrict-files.
func (fr *fileReader) readFile(p, full string) (string, error) {
	if _, err := os.Stat(full); os.IsNotExist(err) {
		return "", fmt.Errorf("no file exists at %q (paths are relative to the spec directory %s)", p, fr.dir)
	}
	if fr.restrict {
		ok, err := regfile.Inside(fr.dir, full)
		if err != nil {
			return "", fmt.Errorf("cannot read %q: %w", p, err)
		}
		if !ok {
			return "", fmt.Errorf("%q is outside the spec directory %s (symbolic links resolved); --restrict-files allows file() "+
				"to read only files inside it", p, fr.dir)
		}
	}
	data, err := regfile.ReadString(full, fr.limit)
	switch {
	case errors.Is(err, regfile.ErrTooLarge):
		return "", fmt.Errorf("cannot read %q: it is larger than file()'s limit of %s; raise it with --max-file-size "+
			"if the file is meant to be this large", p, sizeText(fr.limit))
	case err != nil:
		return "", fmt.Errorf("cannot read %q: %s", p, strings.TrimPrefix(err.Error(), full+" "))
	}
	return data, nil
}

// csvdecodeFunc is csvdecode(str) as in the cty standard library, for CSV as spreadsheets write it: a
// UTF-8 byte-order mark is dropped (Excel writes one, and it would otherwise stick to the first
// column's name) and CRLF line ends are taken like LF. Errors name the file the text was read from
// (when it came from file()) and the row.
func (fr *fileReader) csvdecodeFunc() function.Function {
	const bom = "\ufeff"
	strip := func(v cty.Value) cty.Value {
		// Only a text with a BOM makes a new value: a new string value is normalized again,
		// which for a CSV of 100 000 rows costs more than decoding it.
		if !v.IsKnown() || v.IsNull() || v.IsMarked() || !strings.HasPrefix(v.AsString(), bom) {
			return v
		}
		return cty.StringVal(strings.TrimPrefix(v.AsString(), bom))
	}
	wrap := func(v cty.Value, err error) error {
		if err == nil {
			return nil
		}
		if name := fr.nameOf(v); name != "" {
			return function.NewArgErrorf(0, "%s: %s", name, err)
		}
		return function.NewArgErrorf(0, "%s", err)
	}
	return function.New(&function.Spec{
		Description: stdlib.CSVDecodeFunc.Description(),
		Params:      []function.Parameter{{Name: "str", Type: cty.String}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if err := checkCSVColumns(strip(args[0])); err != nil {
				return cty.DynamicPseudoType, wrap(args[0], err)
			}
			ty, err := stdlib.CSVDecodeFunc.ReturnTypeForValues([]cty.Value{strip(args[0])})
			return ty, wrap(args[0], err)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			t, err := decodeCSV(strip(args[0]).AsString(), retType)
			if err != nil {
				return cty.NilVal, wrap(args[0], err)
			}
			t.path = fr.nameOf(args[0])
			if len(t.rows) == 0 {
				fr.addCSV(t)
				return cty.ListValEmpty(retType.ElementType()), nil
			}
			list := cty.ListVal(t.rows)
			// The rows kept to explain errors are the list's own elements, which share its element
			// type; each row made by cty.ObjectVal carries a type of its own, left to the collector.
			t.rows = list.AsValueSlice()
			fr.addCSV(t)
			return list, nil
		},
	})
}

// maxCSVColumns bounds the columns of a CSV that csvdecode decodes: a row is an object with a type
// of its own, so memory grows with rows × columns far faster than with the file's size (a 58 MB
// CSV of 1 M columns took 4.7 GB and 100 s; 100 MB of 1 M rows takes 1.6 GB).
const maxCSVColumns = 1024

func tooManyColumns(n int) error {
	return fmt.Errorf("the header has %d columns; csvdecode takes at most %d (each row is an object with one "+
		"attribute per column: a CSV of a million columns would take gigabytes)", n, maxCSVColumns)
}

// checkCSVColumns refuses a CSV text whose header has more than maxCSVColumns columns before the
// result type (one attribute per column) is built; a header that does not parse is left to the
// decoder, which says why.
func checkCSVColumns(v cty.Value) error {
	if !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return nil
	}
	cr := csv.NewReader(strings.NewReader(v.AsString()))
	cr.ReuseRecord = true
	if header, err := cr.Read(); err == nil && len(header) > maxCSVColumns {
		return tooManyColumns(len(header))
	}
	return nil
}

// decodeCSV decodes text (a header line, then rows) into one object per row, as the cty standard
// library's csvdecode does, without its intermediate copies: one record buffer reused for every
// row, one attribute map reused (cty.ObjectVal copies it), the rows slice sized from the line count
// and handed to the list as it is. A 1 M-row CSV so costs the values themselves and little more.
func decodeCSV(text string, retType cty.Type) (csvTable, error) {
	var t csvTable
	cr := csv.NewReader(strings.NewReader(text))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return t, errors.New("missing header line")
		}
		return t, csvError(err)
	}
	if len(header) > maxCSVColumns {
		return t, tooManyColumns(len(header))
	}
	t.columns = slices.Clone(header)
	cr.FieldsPerRecord = len(t.columns)
	if ety := retType.ElementType(); !ety.IsObjectType() || len(ety.AttributeTypes()) != len(t.columns) {
		return t, fmt.Errorf("the header has %d columns, but the result type %s does not match them", len(t.columns), retType.FriendlyName())
	}
	t.rows = make([]cty.Value, 0, strings.Count(text, "\n"))
	vals := make(map[string]cty.Value, len(t.columns))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return t, csvError(err)
		}
		for i, v := range rec {
			vals[t.columns[i]] = cty.StringVal(v)
		}
		t.rows = append(t.rows, cty.ObjectVal(vals))
	}
	return t, nil
}

// csvError words a CSV parse error as the cty standard library does: with its line and column.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("CSV parse error on line %d: %w", pe.Line, pe.Err)
	}
	return err
}

// addCSV records a decoded CSV.
func (fr *fileReader) addCSV(t csvTable) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.csvs = append(fr.csvs, t)
}

// nameOf returns the path of the file (read through file()) whose content is the string v, or "".
func (fr *fileReader) nameOf(v cty.Value) string {
	if !v.IsKnown() || v.IsNull() {
		return ""
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	text := v.AsString()
	for _, p := range sortedFileNames(fr.read) {
		if fr.read[p] == text {
			return p
		}
	}
	return ""
}

func sortedFileNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// explainCSVRow adds to "Unsupported attribute" errors of an expression evaluated with each.value a
// CSV row (csvdecode) which file and row that is, and its columns: a column missing from the CSV is
// then named with its file, not only the spec line that asked for it.
func (fr *fileReader) explainCSVRow(diags hcl.Diagnostics, ctx *hcl.EvalContext) {
	if len(diags) == 0 || ctx == nil {
		return
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if len(fr.csvs) == 0 {
		return
	}
	each, ok := ctx.Variables["each"]
	if !ok || !each.Type().IsObjectType() || !each.Type().HasAttribute("value") {
		return
	}
	v := each.GetAttr("value")
	for _, d := range diags {
		if d.Severity != hcl.DiagError || d.Summary != "Unsupported attribute" {
			continue
		}
		for _, t := range fr.csvs {
			for _, row := range t.rows {
				if !row.RawEquals(v) {
					continue
				}
				// Every row of a CSV has the same columns, so the header is what lacks one; the
				// detail stays the same for every row, and so the error is reported once.
				from := "the CSV"
				if t.path != "" {
					from = t.path
				}
				d.Detail += fmt.Sprintf(" each.value is a row of %s, whose header (line 1) has the columns: %s.",
					from, strings.Join(t.columns, ", "))
				break
			}
		}
	}
}

// lengthFunc is length() for strings (in characters) as well as collections and structural values.
func lengthFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Returns the number of elements of a collection or the number of characters of a string.",
		Params:      []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true}},
		Type: func(args []cty.Value) (cty.Type, error) {
			ty := args[0].Type()
			switch {
			case ty == cty.String, ty == cty.DynamicPseudoType, ty.IsCollectionType(), ty.IsTupleType(), ty.IsObjectType():
				return cty.Number, nil
			}
			return cty.NilType, fmt.Errorf("argument must be a string, a collection or a structural value")
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v := args[0]
			if !v.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if v.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "argument must not be null")
			}
			switch ty := v.Type(); {
			case ty == cty.String:
				return stdlib.Strlen(v)
			case ty.IsObjectType():
				return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
			}
			return v.Length(), nil
		},
	})
}
