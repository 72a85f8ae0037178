package awssim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() { register(newLogs) }

// logsState is CloudWatch Logs state per region. Wire format: awsJson1_1, X-Amz-Target
// Logs_20140328.<Op>, member names as in the SDK's service/cloudwatchlogs/schemas.
type logsState struct {
	Regions map[string]*logsRegion `json:"regions"`
	sim     *Sim
}

type logsRegion struct {
	Groups map[string]*logGroup `json:"groups"`
}

type logGroup struct {
	Name          string            `json:"name"`
	ARN           string            `json:"arn"` // without the ":*" DescribeLogGroups appends
	CreationTime  time.Time         `json:"creationTime"`
	RetentionDays int               `json:"retentionDays,omitempty"` // 0: never expire
	KMSKeyID      string            `json:"kmsKeyId,omitempty"`
	Class         string            `json:"class"`
	Tags          map[string]string `json:"tags,omitempty"`
	// Streams are the group's log streams by name; they go with the group.
	Streams map[string]*logStream `json:"streams,omitempty"`
}

// logStream is a stream without events: the simulator keeps no log lines.
type logStream struct {
	Name         string    `json:"name"`
	CreationTime time.Time `json:"creationTime"`
}

func newLogs(sim *Sim) *Service {
	s := &logsState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "logs",
		Protocol:     JSON11,
		TargetPrefix: "Logs_20140328",
		State:        s,
		Ops: map[string]Op{
			"CreateLogGroup":        s.createLogGroup,
			"DescribeLogGroups":     s.describeLogGroups,
			"DeleteLogGroup":        s.deleteLogGroup,
			"PutRetentionPolicy":    s.putRetentionPolicy,
			"DeleteRetentionPolicy": s.deleteRetentionPolicy,
			"DescribeLogStreams":    s.describeLogStreams,
			"TagResource":           s.tagResource,
			"UntagResource":         s.untagResource,
			"ListTagsForResource":   s.listTagsForResource,
		},
	}
}

func (s *logsState) Reset() { s.Regions = map[string]*logsRegion{} }

func (s *logsState) region(c *Call) *logsRegion {
	r, ok := s.Regions[c.Region]
	if !ok {
		r = &logsRegion{}
		s.Regions[c.Region] = r
	}
	if r.Groups == nil {
		r.Groups = map[string]*logGroup{}
	}
	return r
}

// Live lists log groups.
func (s *logsState) Live(time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		for _, name := range slices.Sorted(maps.Keys(s.Regions[region].Groups)) {
			g := s.Regions[region].Groups[name]
			out = append(out, Resource{Service: "logs", Type: "log-group", ID: name, Region: region, Tags: maps.Clone(g.Tags)})
		}
	}
	return out
}

func logsInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidParameterException", format, args...)
}

func logGroupNotFound() *APIError {
	return Errorf("ResourceNotFoundException", "The specified log group does not exist.")
}

// retentionDays are the only values PutRetentionPolicy accepts.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

const logsMaxTags = 50

// group finds the log group named by a request's logGroupName.
func (s *logsState) group(c *Call, name string) (*logGroup, error) {
	if err := checkLogGroupName(name); err != nil {
		return nil, err
	}
	g, ok := s.region(c).Groups[name]
	if !ok {
		return nil, logGroupNotFound()
	}
	return g, nil
}

func (s *logsState) createLogGroup(c *Call) (any, error) {
	var in struct {
		LogGroupName  string            `json:"logGroupName"`
		KMSKeyID      string            `json:"kmsKeyId"`
		Tags          map[string]string `json:"tags"`
		LogGroupClass string            `json:"logGroupClass"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkLogGroupName(in.LogGroupName); err != nil {
		return nil, err
	}
	if strings.HasPrefix(in.LogGroupName, "aws/") {
		return nil, logsInvalid("Log group names can't start with the string aws/")
	}
	// CloudWatch Logs takes only a key ARN, unlike ECR, which resolves IDs and aliases.
	if in.KMSKeyID != "" && !strings.HasPrefix(in.KMSKeyID, "arn:aws:kms:") {
		return nil, logsInvalid("Specified KMS key %s is not a valid ARN", in.KMSKeyID)
	}
	class := in.LogGroupClass
	switch class {
	case "":
		class = "STANDARD"
	case "STANDARD", "INFREQUENT_ACCESS", "DELIVERY":
	default:
		return nil, logsInvalid("1 validation error detected: Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]", class)
	}
	if err := checkTags("logs", in.Tags); err != nil {
		return nil, err
	}
	r := s.region(c)
	if _, ok := r.Groups[in.LogGroupName]; ok {
		return nil, Errorf("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	g := &logGroup{
		Name: in.LogGroupName, ARN: ARN("logs", c.Region, "log-group:"+in.LogGroupName),
		CreationTime: c.Now, KMSKeyID: in.KMSKeyID, Class: class,
	}
	if len(in.Tags) > 0 {
		g.Tags = maps.Clone(in.Tags)
	}
	r.Groups[g.Name] = g
	return struct{}{}, nil
}

type logGroupOut struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"` // epoch milliseconds, a long in the Logs model
	RetentionInDays   int    `json:"retentionInDays,omitempty"`
	MetricFilterCount *int   `json:"metricFilterCount,omitempty"`
	Arn               string `json:"arn"`
	StoredBytes       *int64 `json:"storedBytes,omitempty"`
	KMSKeyID          string `json:"kmsKeyId,omitempty"`
	LogGroupClass     string `json:"logGroupClass,omitempty"`
	LogGroupArn       string `json:"logGroupArn,omitempty"`
}

// out renders a log group. brief is the logGroupNamePattern form, which AWS limits to the
// name, ARN and creation time.
func (g *logGroup) out(brief bool) logGroupOut {
	o := logGroupOut{LogGroupName: g.Name, CreationTime: g.CreationTime.UnixMilli(), Arn: g.ARN + ":*"}
	if brief {
		return o
	}
	zero, noBytes := 0, int64(0)
	o.RetentionInDays, o.MetricFilterCount, o.StoredBytes = g.RetentionDays, &zero, &noBytes
	o.KMSKeyID, o.LogGroupClass, o.LogGroupArn = g.KMSKeyID, g.Class, g.ARN
	return o
}

func (s *logsState) describeLogGroups(c *Call) (any, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		LogGroupClass       string `json:"logGroupClass"`
		NextToken           string `json:"nextToken"`
		Limit               *int   `json:"limit"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, logsInvalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit := 0
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 50 {
			return nil, logsInvalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", *in.Limit)
		}
		limit = *in.Limit
	}
	brief := in.LogGroupNamePattern != ""
	groups := s.region(c).Groups
	var all []logGroupOut
	// AWS sorts by name in ASCII order, which is what slices.Sorted does for strings.
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		if !strings.HasPrefix(name, in.LogGroupNamePrefix) || !strings.Contains(name, in.LogGroupNamePattern) {
			continue
		}
		// INFREQUENT_ACCESS also selects the Essentials class, which the simulator lacks.
		if in.LogGroupClass != "" && g.Class != in.LogGroupClass {
			continue
		}
		all = append(all, g.out(brief))
	}
	page, next, err := Paginate(all, in.NextToken, limit, s.sim.PageSize())
	if err != nil {
		return nil, logsInvalid("The specified nextToken is invalid.")
	}
	if page == nil {
		page = []logGroupOut{}
	}
	out := map[string]any{"logGroups": page}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (s *logsState) deleteLogGroup(c *Call) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	g, err := s.group(c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	delete(s.region(c).Groups, g.Name)
	return struct{}{}, nil
}

func (s *logsState) putRetentionPolicy(c *Call) (any, error) {
	var in struct {
		LogGroupName    string `json:"logGroupName"`
		RetentionInDays int    `json:"retentionInDays"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !slices.Contains(retentionDays, in.RetentionInDays) {
		return nil, logsInvalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: %s",
			in.RetentionInDays, strings.ReplaceAll(fmt.Sprint(retentionDays), " ", ", "))
	}
	g, err := s.group(c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	g.RetentionDays = in.RetentionInDays
	return struct{}{}, nil
}

func (s *logsState) deleteRetentionPolicy(c *Call) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	g, err := s.group(c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	g.RetentionDays = 0
	return struct{}{}, nil
}

// byARN finds the log group of a resourceArn. The ARN is the logGroupArn form; the ":*"
// form DescribeLogGroups returns in arn names no log group, as on AWS.
func (s *logsState) byARN(c *Call, arn string) (*logGroup, error) {
	prefix := ARN("logs", c.Region, "log-group:")
	if !strings.HasPrefix(arn, "arn:aws:logs:") || !strings.Contains(arn, ":log-group:") {
		return nil, logsInvalid("Invalid resourceArn: %s", arn)
	}
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return nil, Errorf("ResourceNotFoundException", "The specified resource does not exist: %s", arn)
	}
	g, ok := s.region(c).Groups[name]
	if !ok {
		return nil, logGroupNotFound()
	}
	return g, nil
}

func (s *logsState) tagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string            `json:"resourceArn"`
		Tags        map[string]string `json:"tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	g, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, logsInvalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if err := checkTags("logs", in.Tags); err != nil {
		return nil, err
	}
	merged, ok := mergeTags(g.Tags, in.Tags, logsMaxTags)
	if !ok {
		return nil, Errorf("TooManyTagsException", "A resource can have no more than %d tags.", logsMaxTags)
	}
	g.Tags = merged
	return struct{}{}, nil
}

func (s *logsState) untagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	g, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(g.Tags, k)
	}
	if len(g.Tags) == 0 {
		g.Tags = nil
	}
	return struct{}{}, nil
}

func (s *logsState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	g, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := g.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return map[string]any{"tags": tags}, nil
}
