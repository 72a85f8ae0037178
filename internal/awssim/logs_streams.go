package awssim

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// openStream is the awslogs driver starting a container: it creates the stream in the
// group if the group exists (called by ECS with the simulator lock held). A missing group
// is not modelled as the task failure AWS reports.
func (s *logsState) openStream(region, group, name string, now time.Time) {
	r, ok := s.Regions[region]
	if !ok {
		return
	}
	g, ok := r.Groups[group]
	if !ok {
		return
	}
	if g.Streams == nil {
		g.Streams = map[string]*logStream{}
	}
	if _, ok := g.Streams[name]; !ok {
		g.Streams[name] = &logStream{Name: name, CreationTime: now}
	}
}

type logStreamOut struct {
	LogStreamName string `json:"logStreamName"`
	CreationTime  int64  `json:"creationTime"` // epoch milliseconds
	Arn           string `json:"arn"`
	StoredBytes   int64  `json:"storedBytes"`
}

func (s *logsState) describeLogStreams(c *Call) (any, error) {
	var in struct {
		LogGroupName        string `json:"logGroupName"`
		LogGroupIdentifier  string `json:"logGroupIdentifier"`
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		OrderBy             string `json:"orderBy"`
		Descending          bool   `json:"descending"`
		NextToken           string `json:"nextToken"`
		Limit               *int   `json:"limit"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if (in.LogGroupName == "") == (in.LogGroupIdentifier == "") {
		return nil, logsInvalid("Should provide either 'logGroupName' or 'logGroupIdentifier'.")
	}
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		if in.LogStreamNamePrefix != "" {
			return nil, logsInvalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, logsInvalid("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LastEventTime, LogStreamName]", in.OrderBy)
	}
	limit := 0
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 50 {
			return nil, logsInvalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", *in.Limit)
		}
		limit = *in.Limit
	}
	var g *logGroup
	var err error
	if in.LogGroupIdentifier != "" {
		g, err = s.byIdentifier(c, in.LogGroupIdentifier)
	} else {
		g, err = s.group(c, in.LogGroupName)
	}
	if err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(g.Streams))
	if in.OrderBy == "LastEventTime" { // streams hold no events: creation time stands in
		slices.SortStableFunc(names, func(a, b string) int {
			return g.Streams[a].CreationTime.Compare(g.Streams[b].CreationTime)
		})
	}
	if in.Descending {
		slices.Reverse(names)
	}
	var all []logStreamOut
	for _, name := range names {
		if strings.HasPrefix(name, in.LogStreamNamePrefix) {
			st := g.Streams[name]
			all = append(all, logStreamOut{LogStreamName: name, CreationTime: st.CreationTime.UnixMilli(),
				Arn: g.ARN + ":log-stream:" + name})
		}
	}
	page, next, err := Paginate(all, in.NextToken, limit, s.sim.PageSize())
	if err != nil {
		return nil, logsInvalid("The specified nextToken is invalid.")
	}
	if page == nil {
		page = []logStreamOut{}
	}
	out := map[string]any{"logStreams": page}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// byIdentifier finds a log group by name or ARN (logGroupIdentifier); the ARN may carry
// the ":*" DescribeLogGroups appends.
func (s *logsState) byIdentifier(c *Call, id string) (*logGroup, error) {
	if !strings.HasPrefix(id, "arn:") {
		return s.group(c, id)
	}
	return s.byARN(c, strings.TrimSuffix(id, ":*"))
}
