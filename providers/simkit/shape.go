package simkit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ShapeProblems compares a simulator's answer with the vendor's documented example of it (a
// testdata fixture named name): every key the simulator sends must be in the fixture with the same
// JSON type (the simulator invents nothing), and every key of the fixture must be sent, except those
// under the optional paths (".items[].links"). Paths start with "."; array elements share the path
// "<array>[]"; null has no
// type and is left out. The problems come sorted; an error means one side is not JSON.
func ShapeProblems(name string, fixture, sim []byte, optional ...string) ([]string, error) {
	want, err := jsonShape(fixture)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	got, err := jsonShape(sim)
	if err != nil {
		return nil, fmt.Errorf("the simulator's answer: %w", err)
	}
	var problems []string
	for k, typ := range got {
		if w, ok := want[k]; !ok {
			problems = append(problems, fmt.Sprintf("simulator sends %q, which %s does not have", k, name))
		} else if w != typ {
			problems = append(problems, fmt.Sprintf("%q is %s in the simulator, %s in %s", k, typ, w, name))
		}
	}
outer:
	for k := range want {
		if _, ok := got[k]; ok {
			continue
		}
		for _, o := range optional {
			if k == o || strings.HasPrefix(k, o+".") || strings.HasPrefix(k, o+"[]") {
				continue outer
			}
		}
		problems = append(problems, fmt.Sprintf("simulator does not send %q of %s", k, name))
	}
	sort.Strings(problems)
	return problems, nil
}

// jsonShape flattens a JSON value into path → JSON type ("object", "array", "string", "number",
// "bool").
func jsonShape(data []byte) (map[string]string, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			out[path] = "object"
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			out[path] = "array"
			for _, e := range x {
				walk(path+"[]", e)
			}
		case string:
			out[path] = "string"
		case float64:
			out[path] = "number"
		case bool:
			out[path] = "bool"
		}
	}
	walk("", v)
	return out, nil
}
