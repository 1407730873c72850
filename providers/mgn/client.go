package mgn

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/logging"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	mgnsdk "github.com/aws/aws-sdk-go-v2/service/mgn"
	"github.com/aws/aws-sdk-go-v2/service/mgn/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// Documented limits of the API reference.
const (
	// MaxServersPerDescribe is the most IDs DescribeSourceServersRequestFilters.sourceServerIDs takes.
	MaxServersPerDescribe = 200
	// MaxServersPerJob is the most servers StartCutover and StartTest take (sourceServerIDs, 1–200).
	MaxServersPerJob = 200
	// MaxJobsPerDescribe is the most IDs DescribeJobsRequestFilters.jobIDs takes.
	MaxJobsPerDescribe = 1000
	// MaxResults is the largest page DescribeSourceServers and DescribeJobs answer (maxResults).
	MaxResults = 1000
)

// maxPages bounds the pages of one filtered read: a service may answer fewer items a page than
// maxResults (a page of one item is within the API's contract), never more pages than IDs asked for,
// but a faulty one could answer a new nextToken for ever.
const maxPages = 2 * MaxJobsPerDescribe

// Lifecycle states (SourceServer.lifeCycle.state), replication states and launch statuses ferry reads.
const (
	StateReadyForTest    = "READY_FOR_TEST"
	StateTesting         = "TESTING"
	StateReadyForCutover = "READY_FOR_CUTOVER"
	StateCuttingOver     = "CUTTING_OVER"
	StateCutover         = "CUTOVER"
	StateDisconnected    = "DISCONNECTED"

	ReplicationContinuous = "CONTINUOUS"

	JobCompleted = "COMPLETED"

	// InitiatedByStartCutover is Job.initiatedBy of a job StartCutover started.
	InitiatedByStartCutover = "START_CUTOVER"

	LaunchLaunched   = "LAUNCHED"
	LaunchFailed     = "FAILED"
	LaunchTerminated = "TERMINATED"
)

// Server is what ferry reads of an MGN source server (a SourceServer of the SDK).
type Server struct {
	ID       string
	Hostname string
	// State is lifeCycle.state.
	State string
	// Replication is dataReplicationInfo.dataReplicationState; Lag its lagDuration (ISO 8601).
	Replication, Lag string
	Archived         bool
	// LastTestJobID and LastCutoverJobID are lifeCycle.lastTest/lastCutover.initiated.jobID.
	LastTestJobID, LastCutoverJobID string
	// LastCutoverAt is lifeCycle.lastCutover.initiated.apiCallDateTime.
	LastCutoverAt string
	// CutoverFinalized is set when lifeCycle.lastCutover.finalized is.
	CutoverFinalized bool
	// InstanceID is launchedInstance.ec2InstanceID.
	InstanceID string
}

// Job is what ferry reads of an MGN job.
type Job struct {
	ID, Type, InitiatedBy, Status string
	// Created is creationDateTime.
	Created string
	Tags    map[string]string
	// Launch maps each participating server to its launchStatus.
	Launch map[string]string
}

// Client calls MGN through the AWS SDK. Reads use the SDK's retryer; mutating calls get exactly one
// attempt each (a retry after an answer that never arrived could start a second job), and a 429 —
// a definite "not done" — is retried by ferry itself after Retry-After.
type Client struct {
	api *mgnsdk.Client
	// readTimeout bounds each read request.
	readTimeout time.Duration
	// maxThrottleRetries bounds ferry's own retries of a throttled mutating call.
	maxThrottleRetries int
	// log receives debug lines (FERRY_LOG); never nil.
	log func(format string, args ...any)
}

// ClientOptions say how to reach MGN.
type ClientOptions struct {
	Settings Settings
	// Static, when set, replaces the credential chain (the sandbox).
	Static *aws.Credentials
	// HTTPClient is the SDK's HTTP client (nil: the SDK's default).
	HTTPClient *http.Client
	// Log receives debug lines (nil: discarded).
	Log func(format string, args ...any)
}

// NewClient builds a client: region and credentials from the standard AWS chain (environment, shared
// config and the profile, SSO, IMDS …), assume_role_arn through STS, endpoint as BaseEndpoint.
func NewClient(ctx context.Context, o ClientOptions) (*Client, error) {
	s := o.Settings
	var cfg aws.Config
	if o.Static != nil {
		region := s.Region
		if region == "" {
			region = "us-east-1"
		}
		cfg = aws.Config{Region: region, Credentials: credentials.StaticCredentialsProvider{Value: *o.Static}}
		if o.HTTPClient != nil {
			cfg.HTTPClient = o.HTTPClient
		}
	} else {
		// The SDK's own messages (e.g. "falling back to IMDSv1") are debug lines of ferry's, not
		// lines written straight to stderr past the redaction and the document rules.
		opts := []func(*config.LoadOptions) error{config.WithLogger(sdkLogger(o.Log))}
		if s.Region != "" {
			opts = append(opts, config.WithRegion(s.Region))
		}
		if s.Profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(s.Profile))
		}
		// The SDK is left to build its own client while it loads the configuration: with a CA bundle
		// (AWS_CA_BUNDLE, ca_bundle in the profile) it refuses any client but its own. The bundle it
		// loaded is then applied to ours, which logs every request and guards redirects.
		var err error
		cfg, err = config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration: %w", err)
		}
		if o.HTTPClient != nil {
			hc := o.HTTPClient
			if pool := bundleRoots(cfg.HTTPClient); pool != nil {
				if hc, err = providers.WithRootCAs(hc, pool); err != nil {
					return nil, fmt.Errorf("applying the AWS CA bundle: %w", err)
				}
			}
			cfg.HTTPClient = hc
		}
		if cfg.Region == "" {
			return nil, errors.New(`no AWS region: set provider "mgn" { region = "eu-west-1" } or AWS_REGION`)
		}
		if s.AssumeRoleARN != "" {
			cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), s.AssumeRoleARN,
				func(a *stscreds.AssumeRoleOptions) { a.RoleSessionName = "ferry" }))
		}
	}
	next := cfg.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = bufferedBody{next: next}
	api := mgnsdk.NewFromConfig(cfg, func(mo *mgnsdk.Options) {
		if s.Endpoint != "" {
			mo.BaseEndpoint = aws.String(strings.TrimRight(s.Endpoint, "/"))
		}
		if r, ok := mo.Retryer.(aws.RetryerV2); ok {
			mo.Retryer = retryAfterRetryer{r}
		}
	})
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Client{api: api, readTimeout: time.Minute, maxThrottleRetries: 20, log: logf}, nil
}

// sdkLogger hands the SDK's log lines to log (nil: they are dropped).
func sdkLogger(log func(format string, args ...any)) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, args ...any) {
		if log != nil {
			log("mgn: AWS SDK %s: %s", strings.ToLower(string(c)), fmt.Sprintf(format, args...))
		}
	})
}

// retryAfterRetryer is the SDK's retryer for reads, waiting at least what a throttled answer's
// Retry-After asks (ThrottlingException documents it; the SDK's retryer ignores it and would resend
// after its own, shorter backoff).
type retryAfterRetryer struct {
	aws.RetryerV2
}

// RetryDelay is the SDK's delay, or the answer's Retry-After when that is longer.
func (r retryAfterRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr != nil {
		return d, derr
	}
	if ra, ok := retryAfterOf(err); ok && ra > d {
		d = ra
	}
	return d, nil
}

// retryAfterOf reads the Retry-After header (seconds) of an error answer, bounded to 100 ms–5 min.
func retryAfterOf(err error) (time.Duration, bool) {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return 0, false
	}
	s := strings.TrimSpace(re.Response.Header.Get("Retry-After"))
	n, perr := strconv.Atoi(s)
	if s == "" || perr != nil || n < 0 {
		return 0, false
	}
	return min(max(time.Duration(n)*time.Second, 100*time.Millisecond), 5*time.Minute), true
}

// bundleRoots is the pool of a CA bundle the SDK loaded into its own client (nil: none).
func bundleRoots(c aws.HTTPClient) *x509.CertPool {
	bc, ok := c.(*awshttp.BuildableClient)
	if !ok || bc == nil {
		return nil
	}
	if tr := bc.GetTransport(); tr != nil && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.RootCAs
	}
	return nil
}

// bufferedBody hands the transport each request body as an in-memory reader. The SDK's own request
// stream, once sent, now and then made the transport close the connection while the response was
// being read ("use of closed network connection": a read resent, a mutating call's outcome unknown);
// request bodies here are a few kilobytes, so reading them first costs nothing.
type bufferedBody struct {
	next aws.HTTPClient
}

// maxRequestBody bounds a request body read into memory.
const maxRequestBody = 1 << 20

// Do sends req with its body read into memory.
func (b bufferedBody) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody+1))
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
		if len(body) > maxRequestBody {
			return nil, fmt.Errorf("request body over %d bytes", maxRequestBody)
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	resp, err := b.next.Do(req)
	if err == nil && resp.Body != nil {
		resp.Body = &cappedBody{rc: resp.Body, left: maxResponseBody}
	}
	return resp, err
}

// maxResponseBody bounds an answer of MGN: a page of 1 000 source servers is a few megabytes, and
// the SDK decodes the whole answer into memory before it is typed (an endless answer would grow
// until the read timeout: gigabytes).
const maxResponseBody = 32 << 20

// errAnswerTooLarge ends the reading of an answer larger than maxResponseBody.
var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d MiB (the most ferry reads of one MGN answer)", maxResponseBody>>20)

// cappedBody reads at most left more bytes of an answer, then fails with errAnswerTooLarge.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// At the limit: an answer of exactly maxResponseBody bytes ends here.
		var one [1]byte
		if n, err := c.rc.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		return 0, errAnswerTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error { return c.rc.Close() }

// DescribeServers reads the source servers of ids: one DescribeSourceServers per 200 IDs (the
// sourceServerIDs filter's limit), every page through the SDK's paginator. The API reference does not
// say whether a read without the isArchived filter lists archived servers: the IDs it did not list
// are read again with isArchived = true (no call when every server was listed). Servers MGN does not
// know are absent from the answer.
func (c *Client) DescribeServers(ctx context.Context, ids []string) (map[string]*Server, error) {
	ids = unique(ids)
	out := make(map[string]*Server, len(ids))
	if err := c.describeServers(ctx, ids, nil, out); err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range ids {
		if out[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		if err := c.describeServers(ctx, missing, aws.Bool(true), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Client) describeServers(ctx context.Context, ids []string, archived *bool, out map[string]*Server) error {
	for _, chunk := range chunks(ids, MaxServersPerDescribe) {
		in := &mgnsdk.DescribeSourceServersInput{
			Filters:    &types.DescribeSourceServersRequestFilters{SourceServerIDs: chunk, IsArchived: archived},
			MaxResults: aws.Int32(MaxResults),
		}
		pages := mgnsdk.NewDescribeSourceServersPaginator(c.api, in, func(o *mgnsdk.DescribeSourceServersPaginatorOptions) { o.StopOnDuplicateToken = true })
		for n := 0; pages.HasMorePages(); n++ {
			if n >= maxPages {
				return fmt.Errorf("DescribeSourceServers: more than %d pages for %d servers; the service keeps answering nextToken", maxPages, len(chunk))
			}
			page, err := c.readPage(ctx, func(ctx context.Context) (any, error) { return pages.NextPage(ctx) })
			if err != nil {
				return fmt.Errorf("DescribeSourceServers: %w", err)
			}
			for _, s := range page.(*mgnsdk.DescribeSourceServersOutput).Items {
				// Only the servers asked for: a filter the service ignored must not add others.
				if sv := serverOf(s); slices.Contains(chunk, sv.ID) {
					out[sv.ID] = sv
				}
			}
		}
	}
	return nil
}

// DescribeJobs reads the jobs of ids: one DescribeJobs per 1 000 IDs (the jobIDs filter's limit),
// every page through the SDK's paginator.
func (c *Client) DescribeJobs(ctx context.Context, ids []string) (map[string]*Job, error) {
	out := make(map[string]*Job, len(ids))
	for _, chunk := range chunks(unique(ids), MaxJobsPerDescribe) {
		in := &mgnsdk.DescribeJobsInput{Filters: &types.DescribeJobsRequestFilters{JobIDs: chunk}, MaxResults: aws.Int32(MaxResults)}
		pages := mgnsdk.NewDescribeJobsPaginator(c.api, in, func(o *mgnsdk.DescribeJobsPaginatorOptions) { o.StopOnDuplicateToken = true })
		for n := 0; pages.HasMorePages(); n++ {
			if n >= maxPages {
				return nil, fmt.Errorf("DescribeJobs: more than %d pages for %d jobs; the service keeps answering nextToken", maxPages, len(chunk))
			}
			page, err := c.readPage(ctx, func(ctx context.Context) (any, error) { return pages.NextPage(ctx) })
			if err != nil {
				return nil, fmt.Errorf("DescribeJobs: %w", err)
			}
			for _, j := range page.(*mgnsdk.DescribeJobsOutput).Items {
				job := jobOf(j)
				out[job.ID] = job
			}
		}
	}
	return out, nil
}

func (c *Client) readPage(ctx context.Context, next func(context.Context) (any, error)) (any, error) {
	rctx, cancel := context.WithTimeout(ctx, c.readTimeout)
	defer cancel()
	return next(rctx)
}

// StartCutover starts one cutover job for 1–200 servers, sending tags as the request's tags. The API
// reference says only "Start Cutover by Tags": ferry never relies on finding them on the job (see
// Provider.findBatchJobs). One attempt; see Client.
func (c *Client) StartCutover(ctx context.Context, ids []string, tags map[string]string) (*Job, error) {
	if len(ids) == 0 || len(ids) > MaxServersPerJob {
		return nil, fmt.Errorf("StartCutover takes 1 to %d servers, not %d", MaxServersPerJob, len(ids))
	}
	var job *Job
	err := c.mutate(ctx, "StartCutover", func(ctx context.Context, one func(*mgnsdk.Options)) error {
		out, err := c.api.StartCutover(ctx, &mgnsdk.StartCutoverInput{SourceServerIDs: ids, Tags: tags}, one)
		if err == nil {
			if out.Job == nil {
				return errors.New("StartCutover answered without a job")
			}
			job = jobOf(*out.Job)
		}
		return err
	})
	return job, err
}

// MarkReadyForCutover moves a server to READY_FOR_CUTOVER (ChangeServerLifeCycleState), as the
// console's "Mark as ready for cutover" does after a test.
func (c *Client) MarkReadyForCutover(ctx context.Context, id string) (*Server, error) {
	var sv *Server
	err := c.mutate(ctx, "ChangeServerLifeCycleState", func(ctx context.Context, one func(*mgnsdk.Options)) error {
		out, err := c.api.ChangeServerLifeCycleState(ctx, &mgnsdk.ChangeServerLifeCycleStateInput{SourceServerID: aws.String(id),
			LifeCycle: &types.ChangeServerLifeCycleStateSourceServerLifecycle{State: types.ChangeServerLifeCycleStateSourceServerLifecycleStateReadyForCutover}}, one)
		if err == nil {
			sv = serverOf(types.SourceServer{SourceServerID: out.SourceServerID, LifeCycle: out.LifeCycle, DataReplicationInfo: out.DataReplicationInfo, IsArchived: out.IsArchived})
		}
		return err
	})
	return sv, err
}

// FinalizeCutover finalizes one server's cutover: it moves to CUTOVER and replication disconnects.
func (c *Client) FinalizeCutover(ctx context.Context, id string) (*Server, error) {
	var sv *Server
	err := c.mutate(ctx, "FinalizeCutover", func(ctx context.Context, one func(*mgnsdk.Options)) error {
		out, err := c.api.FinalizeCutover(ctx, &mgnsdk.FinalizeCutoverInput{SourceServerID: aws.String(id)}, one)
		if err == nil {
			sv = serverOf(types.SourceServer{SourceServerID: out.SourceServerID, LifeCycle: out.LifeCycle, DataReplicationInfo: out.DataReplicationInfo, IsArchived: out.IsArchived, LaunchedInstance: out.LaunchedInstance})
		}
		return err
	})
	return sv, err
}

// MarkAsArchived archives one server (valid in CUTOVER or DISCONNECTED).
func (c *Client) MarkAsArchived(ctx context.Context, id string) (*Server, error) {
	var sv *Server
	err := c.mutate(ctx, "MarkAsArchived", func(ctx context.Context, one func(*mgnsdk.Options)) error {
		out, err := c.api.MarkAsArchived(ctx, &mgnsdk.MarkAsArchivedInput{SourceServerID: aws.String(id)}, one)
		if err == nil {
			sv = serverOf(types.SourceServer{SourceServerID: out.SourceServerID, LifeCycle: out.LifeCycle, DataReplicationInfo: out.DataReplicationInfo, IsArchived: out.IsArchived, LaunchedInstance: out.LaunchedInstance})
		}
		return err
	})
	return sv, err
}

// mutate sends one mutating call with the SDK's retryer switched off. A 429 is retried after its
// Retry-After (the wait ends with providers.ErrNotSent when the run stops); a 4xx answer is a definite
// refusal (*APIError); anything else — a 5xx, a dropped connection, a timeout — leaves the outcome
// unknown (model.ErrOutcomeUnknown), to be reconciled, never resent blindly.
func (c *Client) mutate(ctx context.Context, op string, call func(context.Context, func(*mgnsdk.Options)) error) error {
	one := func(o *mgnsdk.Options) { o.Retryer = aws.NopRetryer{} }
	for attempt := 1; ; attempt++ {
		if providers.SendStopped(ctx) {
			return providers.ErrNotSent
		}
		err := call(ctx, one)
		if err == nil {
			return nil
		}
		ae := apiErrorOf(op, err)
		if ae != nil && ae.Throttled() && attempt <= c.maxThrottleRetries {
			c.log("mgn: %s throttled (%s); sending it again after %s", op, ae.Code, ae.RetryAfter)
			if err := sleepBeforeSend(ctx, ae.RetryAfter); err != nil {
				return err
			}
			continue
		}
		if ae != nil && ae.Definite() {
			return ae
		}
		c.log("mgn: %s: no definite answer (%v); the outcome is reconciled, not resent", op, err)
		return fmt.Errorf("%w: %s: %v", model.ErrOutcomeUnknown, op, err)
	}
}

// sleepBeforeSend waits d before a request is sent again, or returns ErrNotSent when the run stops.
func sleepBeforeSend(ctx context.Context, d time.Duration) error {
	wctx, cancel := providers.PreSendContext(ctx)
	defer cancel()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-wctx.Done():
		return providers.ErrNotSent
	}
}

// APIError is an error answer of MGN.
type APIError struct {
	Op string
	// Code is the error type (X-Amzn-ErrorType), e.g. ConflictException.
	Code    string
	Message string
	Status  int
	// Resources are the resources a ConflictException names (resourceId and errors[].resourceId).
	Resources []string
	// RetryAfter is the wait a 429 asks for (Retry-After; 1 s when absent).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no message"
	}
	return fmt.Sprintf("%s: %s (HTTP %d): %s", e.Op, e.Code, e.Status, msg)
}

// Throttled reports a 429 / ThrottlingException: the request was not performed.
func (e *APIError) Throttled() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == "ThrottlingException"
}

// Definite reports an answer that says the request was refused (a 4xx other than 408).
func (e *APIError) Definite() bool {
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout
}

// Conflict reports a ConflictException: the server is not in a state that allows the call.
func (e *APIError) Conflict() bool { return e.Code == "ConflictException" }

// apiErrorOf reads an SDK error as an APIError; nil when no answer arrived (transport errors).
func apiErrorOf(op string, err error) *APIError {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return nil
	}
	ae := &APIError{Op: op, Status: re.HTTPStatusCode(), RetryAfter: time.Second}
	var api smithy.APIError
	if errors.As(err, &api) {
		ae.Code, ae.Message = api.ErrorCode(), api.ErrorMessage()
	}
	var ce *types.ConflictException
	if errors.As(err, &ce) {
		if ce.ResourceId != nil {
			ae.Resources = append(ae.Resources, *ce.ResourceId)
		}
		for _, d := range ce.Errors {
			if d.ResourceId != nil {
				ae.Resources = append(ae.Resources, *d.ResourceId)
			}
		}
	}
	if ra, ok := retryAfterOf(err); ok {
		ae.RetryAfter = ra
	}
	return ae
}

func serverOf(s types.SourceServer) *Server {
	sv := &Server{ID: aws.ToString(s.SourceServerID), Archived: aws.ToBool(s.IsArchived)}
	if lc := s.LifeCycle; lc != nil {
		sv.State = string(lc.State)
		if t := lc.LastTest; t != nil && t.Initiated != nil {
			sv.LastTestJobID = aws.ToString(t.Initiated.JobID)
		}
		if c := lc.LastCutover; c != nil {
			if c.Initiated != nil {
				sv.LastCutoverJobID = aws.ToString(c.Initiated.JobID)
				sv.LastCutoverAt = aws.ToString(c.Initiated.ApiCallDateTime)
			}
			sv.CutoverFinalized = c.Finalized != nil && aws.ToString(c.Finalized.ApiCallDateTime) != ""
		}
	}
	if d := s.DataReplicationInfo; d != nil {
		sv.Replication, sv.Lag = string(d.DataReplicationState), aws.ToString(d.LagDuration)
	}
	if p := s.SourceProperties; p != nil && p.IdentificationHints != nil {
		sv.Hostname = aws.ToString(p.IdentificationHints.Hostname)
	}
	if li := s.LaunchedInstance; li != nil {
		sv.InstanceID = aws.ToString(li.Ec2InstanceID)
	}
	return sv
}

func jobOf(j types.Job) *Job {
	job := &Job{ID: aws.ToString(j.JobID), Type: string(j.Type), InitiatedBy: string(j.InitiatedBy), Status: string(j.Status),
		Created: aws.ToString(j.CreationDateTime), Tags: j.Tags, Launch: map[string]string{}}
	for _, p := range j.ParticipatingServers {
		job.Launch[aws.ToString(p.SourceServerID)] = string(p.LaunchStatus)
	}
	return job
}

func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
