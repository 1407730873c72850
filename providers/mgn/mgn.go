// Package mgn is ferry's AWS Application Migration Service provider: cutover blocks become server
// cutovers in waves — a gate on each server (lifecycle, replication, lag, a successful test launch),
// StartCutover for the servers of one wave together, a batched watcher of the cutover jobs
// (DescribeJobs by job IDs), then FinalizeCutover and MarkAsArchived. It holds a client built on the
// AWS SDK for Go v2 (client.go), the resource logic (read.go, plan.go, do.go, watch.go) and a
// simulator of the MGN REST-JSON API in its own types (sim*.go).
package mgn

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers"
)

// Name is the provider's name in specs and sandbox URLs.
const Name = "mgn"

// Operations the simulator counts in /_sandbox/stats (one per MGN operation it serves).
const (
	OpDescribeSourceServers      = "mgn.DescribeSourceServers"
	OpDescribeJobs               = "mgn.DescribeJobs"
	OpStartTest                  = "mgn.StartTest"
	OpStartCutover               = "mgn.StartCutover"
	OpChangeServerLifeCycleState = "mgn.ChangeServerLifeCycleState"
	OpFinalizeCutover            = "mgn.FinalizeCutover"
	OpMarkAsArchived             = "mgn.MarkAsArchived"
)

// Operations returns the simulator's operation names.
func Operations() []string {
	return []string{OpDescribeSourceServers, OpDescribeJobs, OpStartTest, OpStartCutover,
		OpChangeServerLifeCycleState, OpFinalizeCutover, OpMarkAsArchived}
}

// DurationLaunch is the simulated time a launch job (test or cutover) takes to complete.
const DurationLaunch = "mgn.launch"

// Durations returns the duration kinds of the simulator.
func Durations() []string { return []string{DurationLaunch} }

// Credential variables of the AWS SDK's environment chain, redacted from all output.
const (
	EnvAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken    = "AWS_SESSION_TOKEN"
)

// SecretEnv returns the credential variables whose values are redacted.
func SecretEnv() []string { return []string{EnvSecretAccessKey, EnvSessionToken} }

// SettingsSchema is the provider block: region, profile, assume_role_arn, endpoint and poll_interval.
func SettingsSchema() []providers.Setting {
	return []providers.Setting{
		{Name: "region", Type: cty.String, Check: providers.CheckRegion, Doc: "AWS region; default from the SDK's chain (AWS_REGION, the profile)"},
		{Name: "profile", Type: cty.String, Check: providers.CheckNonEmpty, Doc: "shared config profile; default from the SDK's chain (AWS_PROFILE)"},
		{Name: "assume_role_arn", Type: cty.String, Check: checkRoleARN, Doc: "IAM role to assume through STS with the chain's credentials (optional)"},
		{Name: "endpoint", Type: cty.String, Check: providers.CheckURL, Doc: "the SDK's BaseEndpoint: a VPC interface endpoint or a local stand-in (optional)"},
		{Name: "poll_interval", Type: cty.String, Check: providers.CheckDuration, Doc: "first wait before a cutover job is read; default 30s, backing off to four times it (2m)"},
		providers.SettleSetting(),
	}
}

// Settings are the evaluated provider block.
type Settings struct {
	Region, Profile, AssumeRoleARN, Endpoint string
}

// SettingsOf reads the provider block.
func SettingsOf(cfg providers.Config) Settings {
	return Settings{Region: cfg.String("region", ""), Profile: cfg.String("profile", ""),
		AssumeRoleARN: cfg.String("assume_role_arn", ""), Endpoint: cfg.String("endpoint", "")}
}

func checkRoleARN(v cty.Value) string {
	if s := v.AsString(); !roleARNRE.MatchString(s) {
		return "\"" + s + "\" is not an IAM role ARN; want e.g. arn:aws:iam::123456789012:role/ferry-mgn."
	}
	return ""
}
