package awssim

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

func init() { register(newCodeStarConnections) }

// codestarState is AWS CodeStar Connections state per region. Wire format: awsJson1_0,
// X-Amz-Target CodeStar_connections_20191201.<Op>, member names as in the SDK's
// service/codestarconnections serializers (PascalCase, tags as {Key, Value}).
//
// A connection is created PENDING: on AWS a person completes the provider handshake in the
// console. Tests stand in for that person with Sim.ApproveConnection or
// POST /_awssim/connections/approve.
type codestarState struct {
	Regions map[string]*codestarRegion `json:"regions"`
	sim     *Sim
}

type codestarRegion struct {
	Connections map[string]*codestarConnection `json:"connections"` // by ARN
}

type codestarConnection struct {
	Name      string            `json:"name"`
	ARN       string            `json:"arn"`
	Provider  string            `json:"provider"`
	Status    string            `json:"status"` // PENDING, AVAILABLE or ERROR
	CreatedAt time.Time         `json:"createdAt"`
	Tags      map[string]string `json:"tags,omitempty"`
}

func newCodeStarConnections(sim *Sim) *Service {
	s := &codestarState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "codestar-connections",
		Protocol:     JSON10,
		TargetPrefix: "CodeStar_connections_20191201",
		State:        s,
		Ops: map[string]Op{
			"CreateConnection":    s.createConnection,
			"GetConnection":       s.getConnection,
			"ListConnections":     s.listConnections,
			"DeleteConnection":    s.deleteConnection,
			"TagResource":         s.tagResource,
			"UntagResource":       s.untagResource,
			"ListTagsForResource": s.listTagsForResource,
		},
	}
}

func (s *codestarState) Reset() { s.Regions = map[string]*codestarRegion{} }

func (s *codestarState) regionNamed(name string) *codestarRegion {
	r, ok := s.Regions[name]
	if !ok {
		r = &codestarRegion{}
		s.Regions[name] = r
	}
	if r.Connections == nil {
		r.Connections = map[string]*codestarConnection{}
	}
	return r
}

// Live lists connections.
func (s *codestarState) Live(time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		conns := s.Regions[region].Connections
		for _, arn := range slices.Sorted(maps.Keys(conns)) {
			out = append(out, Resource{Service: "codestar-connections", Type: "connection", ID: arn, Region: region, Tags: maps.Clone(conns[arn].Tags)})
		}
	}
	return out
}

type codestarTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

const codestarMaxTags = 200

func codestarValidation(format string, args ...any) *APIError {
	return Errorf("ValidationException", format, args...)
}

func codestarTagMap(tags []codestarTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, checkTags("codestar-connections", out)
}

func codestarTagList(tags map[string]string) []codestarTag {
	out := []codestarTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, codestarTag{Key: k, Value: tags[k]})
	}
	return out
}

var codestarProviders = []string{"Bitbucket", "GitHub", "GitHubEnterpriseServer", "GitLab", "GitLabSelfManaged"}

func (cn *codestarConnection) out() map[string]any {
	return map[string]any{
		"ConnectionName": cn.Name, "ConnectionArn": cn.ARN, "ProviderType": cn.Provider,
		"OwnerAccountId": Account, "ConnectionStatus": cn.Status,
	}
}

func (s *codestarState) createConnection(c *Call) (any, error) {
	var in struct {
		ConnectionName string        `json:"ConnectionName"`
		ProviderType   string        `json:"ProviderType"`
		HostArn        string        `json:"HostArn"`
		Tags           []codestarTag `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkConnectionName(in.ConnectionName); err != nil {
		return nil, err
	}
	if in.HostArn != "" {
		// Hosts (GitHub Enterprise Server, GitLab self-managed) are not simulated.
		return nil, Errorf("ResourceNotFoundException", "Host %s does not exist", in.HostArn)
	}
	if in.ProviderType == "" {
		return nil, codestarValidation("ProviderType or HostArn must be specified.")
	}
	if !slices.Contains(codestarProviders, in.ProviderType) {
		return nil, codestarValidation("1 validation error detected: Value '%s' at 'providerType' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			in.ProviderType, strings.Join(codestarProviders, ", "))
	}
	if in.ProviderType == "GitHubEnterpriseServer" || in.ProviderType == "GitLabSelfManaged" {
		return nil, codestarValidation("A connection to %s requires a HostArn.", in.ProviderType)
	}
	tags, err := codestarTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	cn := &codestarConnection{Name: in.ConnectionName, ARN: ARN("codestar-connections", c.Region, "connection/"+newRequestID()),
		Provider: in.ProviderType, Status: "PENDING", CreatedAt: c.Now}
	if len(tags) > 0 {
		cn.Tags = tags
	}
	s.regionNamed(c.Region).Connections[cn.ARN] = cn
	out := map[string]any{"ConnectionArn": cn.ARN}
	if len(tags) > 0 {
		out["Tags"] = codestarTagList(tags)
	}
	return out, nil
}

// connection finds a connection by ARN in the call's region. The newer
// arn:aws:codeconnections form of the same connection is accepted too, as AWS does.
func (s *codestarState) connection(region, arn string) (*codestarConnection, error) {
	if !strings.HasPrefix(arn, "arn:aws:codestar-connections:") && !strings.HasPrefix(arn, "arn:aws:codeconnections:") {
		return nil, codestarValidation("1 validation error detected: Value '%s' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[\\w]+)*:.+:.+:[0-9]{12}:.+", arn)
	}
	key := strings.Replace(arn, "arn:aws:codeconnections:", "arn:aws:codestar-connections:", 1)
	cn, ok := s.regionNamed(region).Connections[key]
	if !ok {
		return nil, Errorf("ResourceNotFoundException", "Connection %s does not exist", arn)
	}
	return cn, nil
}

func (s *codestarState) getConnection(c *Call) (any, error) {
	var in struct {
		ConnectionArn string `json:"ConnectionArn"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cn, err := s.connection(c.Region, in.ConnectionArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Connection": cn.out()}, nil
}

func (s *codestarState) listConnections(c *Call) (any, error) {
	var in struct {
		ProviderTypeFilter string `json:"ProviderTypeFilter"`
		HostArnFilter      string `json:"HostArnFilter"`
		MaxResults         int    `json:"MaxResults"`
		NextToken          string `json:"NextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 100 {
		return nil, codestarValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", in.MaxResults)
	}
	conns := s.regionNamed(c.Region).Connections
	var all []map[string]any
	for _, arn := range slices.Sorted(maps.Keys(conns)) {
		cn := conns[arn]
		if (in.ProviderTypeFilter == "" || cn.Provider == in.ProviderTypeFilter) && in.HostArnFilter == "" {
			all = append(all, cn.out())
		}
	}
	page, next, err := Paginate(all, in.NextToken, in.MaxResults, s.sim.PageSize())
	if err != nil {
		return nil, codestarValidation("Invalid NextToken: %s", in.NextToken)
	}
	if page == nil {
		page = []map[string]any{}
	}
	out := map[string]any{"Connections": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *codestarState) deleteConnection(c *Call) (any, error) {
	var in struct {
		ConnectionArn string `json:"ConnectionArn"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cn, err := s.connection(c.Region, in.ConnectionArn)
	if err != nil {
		return nil, err
	}
	delete(s.regionNamed(c.Region).Connections, cn.ARN)
	return struct{}{}, nil
}

func (s *codestarState) tagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string        `json:"ResourceArn"`
		Tags        []codestarTag `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cn, err := s.connection(c.Region, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := codestarTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	merged, ok := mergeTags(cn.Tags, tags, codestarMaxTags)
	if !ok {
		return nil, Errorf("LimitExceededException", "Tag limit exceeded: a resource can have at most %d tags.", codestarMaxTags)
	}
	if len(merged) > 0 {
		cn.Tags = merged
	}
	return struct{}{}, nil
}

func (s *codestarState) untagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"ResourceArn"`
		TagKeys     []string `json:"TagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cn, err := s.connection(c.Region, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(cn.Tags, k)
	}
	if len(cn.Tags) == 0 {
		cn.Tags = nil
	}
	return struct{}{}, nil
}

func (s *codestarState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string `json:"ResourceArn"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cn, err := s.connection(c.Region, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Tags": codestarTagList(cn.Tags)}, nil
}

// connectionStatus is the status of a connection ARN in a region, for the pipeline source
// action ("" when there is no such connection). The lock must be held.
func (s *codestarState) connectionStatus(region, arn string) string {
	cn, err := s.connection(region, arn)
	if err != nil {
		return ""
	}
	return cn.Status
}

// ErrConnectionNotFound is returned by ApproveConnection for an unknown ARN.
var ErrConnectionNotFound = errors.New("connection not found")

// ApproveConnection completes the provider handshake of a PENDING connection, as a person
// does in the console on AWS: the connection becomes AVAILABLE. Approving an AVAILABLE
// connection does nothing; a connection in ERROR cannot be approved.
func (s *Sim) ApproveConnection(arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := s.services["codestar-connections"]
	if svc == nil {
		return ErrConnectionNotFound
	}
	st := svc.State.(*codestarState)
	parts := strings.Split(arn, ":")
	if len(parts) < 6 {
		return ErrConnectionNotFound
	}
	cn, err := st.connection(parts[3], arn)
	if err != nil {
		return ErrConnectionNotFound
	}
	switch cn.Status {
	case "PENDING":
		cn.Status = "AVAILABLE"
	case "ERROR":
		return errors.New("connection " + arn + " is in ERROR and cannot be approved")
	}
	return s.saveIfPersistent()
}

// serveApproveConnection is POST /_awssim/connections/approve {"arn": "..."}.
func (s *Sim) serveApproveConnection(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ARN string `json:"arn"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ARN == "" {
		http.Error(w, "decode approve request: want {\"arn\": \"...\"}", http.StatusBadRequest)
		return
	}
	switch err := s.ApproveConnection(req.ARN); {
	case errors.Is(err, ErrConnectionNotFound):
		http.Error(w, err.Error()+": "+req.ARN, http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
