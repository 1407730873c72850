package model

import "strings"

// Block kinds that declare resource instances.
const (
	KindSubscription = "subscription"
	KindSkipList     = "skip_list"
	KindCutover      = "cutover"
)

// Kind describes one block kind that declares resource instances: its name and the words the plan
// and apply output use for its actions. hclspec holds its schema and evaluation, the provider table
// which providers serve it.
type Kind struct {
	// Name is the block type, e.g. "subscription".
	Name string
	// Noun names one instance in prose, e.g. "subscription" or "server cutover".
	Noun string
	// Words are the display words of each action, e.g. "migrate" for ActionCreate of a subscription.
	Words map[Action]string
}

// kinds is the table of block kinds; fixed at build time.
var kinds = []Kind{
	{Name: KindSubscription, Noun: "subscription", Words: map[Action]string{ActionCreate: "migrate"}},
	{Name: KindSkipList, Noun: "skip list", Words: map[Action]string{ActionCreate: "add entries", ActionUpdate: "change entries"}},
	{Name: KindCutover, Noun: "server cutover", Words: map[Action]string{ActionCreate: "cut over"}},
}

// Kinds returns the block kinds that declare resource instances, in a fixed order.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// LookupKind returns the kind named name, or nil.
func LookupKind(name string) *Kind {
	for i := range kinds {
		if kinds[i].Name == name {
			k := kinds[i]
			return &k
		}
	}
	return nil
}

// KindList names every kind for a message, e.g. "subscription, skip_list or cutover".
func KindList(conj string) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	return List(names, conj)
}

// List joins names as prose: "a", "a or b", "a, b or c".
func List(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// Word returns the display word of action for instances of kind: the kind's own word when it has
// one ("migrate", "cut over"), the action's neutral name otherwise.
func Word(kind string, action Action) string {
	if k := LookupKind(kind); k != nil {
		if w, ok := k.Words[action]; ok {
			return w
		}
	}
	return action.Word()
}
