package hclspec

import "github.com/hashicorp/hcl/v2/hclwrite"

// Format returns the canonical formatting of one spec file (hclwrite.Format), as `ferry fmt`
// writes it. It does not check the syntax; parse the file to find errors.
func Format(src []byte) []byte {
	return hclwrite.Format(src)
}
