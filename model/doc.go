// Package model is the vocabulary every layer of ferry shares: instance addresses (parse, match),
// the block kinds of the spec and the words each uses, the desired objects hclspec produces, and the
// Change, Step, Action, Outcome and Event values that flow between the planner, the executor and the
// providers. It imports nothing of ferry's but the state types.
package model
