package mgn

import "regexp"

var (
	// roleARNRE matches IAM role ARNs of any partition.
	roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	// serverIDRE is a source server ID: s- and 17 of [0-9a-zA-Z].
	serverIDRE = regexp.MustCompile(`^s-[0-9a-zA-Z]{17}$`)
	// jobIDRE is a job ID: mgnjob- and 17 of [0-9a-zA-Z].
	jobIDRE = regexp.MustCompile(`^mgnjob-[0-9a-zA-Z]{17}$`)
)
