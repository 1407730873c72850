package mgn

import "encoding/json"

// The simulator's own types: the MGN REST-JSON shapes with the member names of the API reference and
// the SDK's serializers (restJson1). They are never shared with the client, which speaks through the
// SDK's types.

// SimWorld is the "mgn" section of a sandbox world.
type SimWorld struct {
	// SourceServers are the account's source servers, as DescribeSourceServers items.
	SourceServers []SimSourceServer `json:"sourceServers"`
	// Jobs are the launch jobs so far, as DescribeJobs items.
	Jobs []SimJob `json:"jobs"`
	// Uninitialized makes every operation answer UninitializedAccountException, as MGN does before
	// InitializeService.
	Uninitialized bool `json:"uninitialized,omitempty"`
}

// SimSourceServer is a SourceServer.
type SimSourceServer struct {
	SourceServerID      string               `json:"sourceServerID"`
	Arn                 string               `json:"arn,omitempty"`
	ApplicationID       string               `json:"applicationID,omitempty"`
	UserProvidedID      string               `json:"userProvidedID,omitempty"`
	VcenterClientID     *string              `json:"vcenterClientID,omitempty"`
	FqdnForAction       string               `json:"fqdnForActionFramework,omitempty"`
	ConnectorAction     json.RawMessage      `json:"connectorAction,omitempty"`
	IsArchived          bool                 `json:"isArchived"`
	ReplicationType     string               `json:"replicationType,omitempty"`
	LifeCycle           SimLifeCycle         `json:"lifeCycle"`
	DataReplicationInfo *SimDataReplication  `json:"dataReplicationInfo,omitempty"`
	LaunchedInstance    *SimLaunchedInstance `json:"launchedInstance,omitempty"`
	SourceProperties    *SimSourceProperties `json:"sourceProperties,omitempty"`
	Tags                map[string]string    `json:"tags,omitempty"`
}

// SimLifeCycle is SourceServer.lifeCycle.
type SimLifeCycle struct {
	State                      string         `json:"state"`
	AddedToServiceDateTime     string         `json:"addedToServiceDateTime,omitempty"`
	ElapsedReplicationDuration string         `json:"elapsedReplicationDuration,omitempty"`
	FirstByteDateTime          string         `json:"firstByteDateTime,omitempty"`
	LastSeenByServiceDateTime  string         `json:"lastSeenByServiceDateTime,omitempty"`
	LastTest                   *SimLastLaunch `json:"lastTest,omitempty"`
	LastCutover                *SimLastLaunch `json:"lastCutover,omitempty"`
}

// SimLastLaunch is lifeCycle.lastTest or lifeCycle.lastCutover.
type SimLastLaunch struct {
	Initiated *SimInitiated `json:"initiated,omitempty"`
	Finalized *SimAPICall   `json:"finalized,omitempty"`
	Reverted  *SimAPICall   `json:"reverted,omitempty"`
}

// SimInitiated is lastTest.initiated / lastCutover.initiated.
type SimInitiated struct {
	APICallDateTime string `json:"apiCallDateTime,omitempty"`
	JobID           string `json:"jobID,omitempty"`
}

// SimAPICall is finalized / reverted.
type SimAPICall struct {
	APICallDateTime string `json:"apiCallDateTime"`
}

// SimDataReplication is SourceServer.dataReplicationInfo (the members ferry and the gate use).
type SimDataReplication struct {
	DataReplicationState      string          `json:"dataReplicationState,omitempty"`
	LagDuration               string          `json:"lagDuration,omitempty"`
	EtaDateTime               *string         `json:"etaDateTime,omitempty"`
	LastSnapshotDateTime      string          `json:"lastSnapshotDateTime,omitempty"`
	DataReplicationError      json.RawMessage `json:"dataReplicationError,omitempty"`
	DataReplicationInitiation json.RawMessage `json:"dataReplicationInitiation,omitempty"`
	ReplicatedDisks           json.RawMessage `json:"replicatedDisks,omitempty"`
	ReplicatorID              string          `json:"replicatorId,omitempty"`
}

// SimLaunchedInstance is SourceServer.launchedInstance.
type SimLaunchedInstance struct {
	EC2InstanceID string `json:"ec2InstanceID,omitempty"`
	FirstBoot     string `json:"firstBoot,omitempty"`
	JobID         string `json:"jobID,omitempty"`
}

// SimSourceProperties is SourceServer.sourceProperties (identification hints only).
type SimSourceProperties struct {
	IdentificationHints     *SimIdentificationHints `json:"identificationHints,omitempty"`
	CPUs                    json.RawMessage         `json:"cpus,omitempty"`
	Disks                   json.RawMessage         `json:"disks,omitempty"`
	NetworkInterfaces       json.RawMessage         `json:"networkInterfaces,omitempty"`
	OS                      json.RawMessage         `json:"os,omitempty"`
	RAMBytes                *int64                  `json:"ramBytes,omitempty"`
	RecommendedInstanceType string                  `json:"recommendedInstanceType,omitempty"`
	LastUpdatedDateTime     string                  `json:"lastUpdatedDateTime,omitempty"`
}

// SimIdentificationHints is sourceProperties.identificationHints.
type SimIdentificationHints struct {
	Hostname      string  `json:"hostname,omitempty"`
	FQDN          string  `json:"fqdn,omitempty"`
	AWSInstanceID *string `json:"awsInstanceID,omitempty"`
	VMPath        *string `json:"vmPath,omitempty"`
	VMWareUUID    *string `json:"vmWareUuid,omitempty"`
}

// SimJob is a Job.
type SimJob struct {
	JobID                string                   `json:"jobID"`
	Arn                  string                   `json:"arn,omitempty"`
	Type                 string                   `json:"type"`
	InitiatedBy          string                   `json:"initiatedBy"`
	CreationDateTime     string                   `json:"creationDateTime"`
	EndDateTime          string                   `json:"endDateTime,omitempty"`
	Status               string                   `json:"status"`
	ParticipatingServers []SimParticipatingServer `json:"participatingServers"`
	Tags                 map[string]string        `json:"tags,omitempty"`
}

// SimParticipatingServer is one entry of Job.participatingServers.
type SimParticipatingServer struct {
	SourceServerID          string          `json:"sourceServerID"`
	LaunchStatus            string          `json:"launchStatus"`
	LaunchedEC2InstanceID   string          `json:"launchedEc2InstanceID,omitempty"`
	PostLaunchActionsStatus json.RawMessage `json:"postLaunchActionsStatus,omitempty"`
}

// Requests, as the SDK serializes them.

type simDescribeSourceServersRequest struct {
	Filters *struct {
		SourceServerIDs []string `json:"sourceServerIDs"`
		IsArchived      *bool    `json:"isArchived"`
		LifeCycleStates []string `json:"lifeCycleStates"`
	} `json:"filters"`
	MaxResults *int   `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type simDescribeJobsRequest struct {
	Filters *struct {
		JobIDs []string `json:"jobIDs"`
	} `json:"filters"`
	MaxResults *int   `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type simStartRequest struct {
	SourceServerIDs []string          `json:"sourceServerIDs"`
	Tags            map[string]string `json:"tags"`
}

type simServerRequest struct {
	SourceServerID string `json:"sourceServerID"`
	LifeCycle      *struct {
		State string `json:"state"`
	} `json:"lifeCycle"`
}

// Error bodies (the members the SDK's deserializers read).

type simErrorDetail struct {
	Code         string `json:"code,omitempty"`
	Message      string `json:"message"`
	ResourceID   string `json:"resourceId,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
}

type simError struct {
	Message      string           `json:"message"`
	Code         string           `json:"code,omitempty"`
	ResourceID   string           `json:"resourceId,omitempty"`
	ResourceType string           `json:"resourceType,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Errors       []simErrorDetail `json:"errors,omitempty"`
	ServiceCode  string           `json:"serviceCode,omitempty"`
}
