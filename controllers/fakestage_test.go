package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// Annotations tell a fake stage how to behave for one object, so that every spec can run
// its own scenario against the one shared manager:
//
//	test.flaskops.io/<stage>: ready | waiting | transient-<n> | terminal | terminal-<n>
//	test.flaskops.io/<stage>-delete: done | slow-<n> | transient-<n> | terminal | terminal-<n>
const annotationPrefix = "test.flaskops.io/"

// callLog records, per object, the order in which stages finished deleting.
type callLog struct {
	mu      sync.Mutex
	deleted map[string][]string
}

func (l *callLog) add(key, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.deleted == nil {
		l.deleted = map[string][]string{}
	}
	l.deleted[key] = append(l.deleted[key], name)
}

func (l *callLog) deletedOrder(key string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.deleted[key]...)
}

type fakeStage struct {
	name, condition string
	log             *callLog

	mu         sync.Mutex
	reconciles map[string]int
	deletes    map[string]int
}

func newFakeStage(name, condition string, log *callLog) *fakeStage {
	return &fakeStage{name: name, condition: condition, log: log,
		reconciles: map[string]int{}, deletes: map[string]int{}}
}

func (s *fakeStage) Name() string      { return s.name }
func (s *fakeStage) Condition() string { return s.condition }

func (s *fakeStage) Reconciles(fd *v1alpha1.FlaskDeployment) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reconciles[key(fd)]
}

func (s *fakeStage) Deletes(fd *v1alpha1.FlaskDeployment) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deletes[key(fd)]
}

func (s *fakeStage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	s.mu.Lock()
	s.reconciles[key(fd)]++
	n := s.reconciles[key(fd)]
	s.mu.Unlock()

	mode := fd.Annotations[annotationPrefix+s.name]
	switch {
	case mode == "" || mode == "ready":
		// Like a real stage, record what exists and persist it before going on.
		if s.name == "alpha" {
			fd.Status.Network.VPCID = "vpc-0fake"
		} else {
			fd.Status.Service.LoadBalancerDNS = "fake-alb.us-east-1.elb.amazonaws.com"
		}
		if err := stage.Checkpoint(ctx); err != nil {
			return stage.Result{}, err
		}
		return stage.Ready("all good"), nil
	case mode == "waiting":
		return stage.Waiting("WaitingForThing", time.Second, "waiting for thing-%s (pending)", s.name), nil
	case mode == "terminal":
		return stage.Result{}, stage.Terminalf(v1alpha1.ReasonAWSValidationError, "InvalidParameterValue: bad CIDR")
	case strings.HasPrefix(mode, "terminal-"):
		if n <= count(mode) {
			return stage.Result{}, stage.Terminalf("VpcLimitExceeded", "VpcLimitExceeded: the maximum number of VPCs has been reached")
		}
		return stage.Ready("quota raised"), nil
	case strings.HasPrefix(mode, "transient-"):
		if n <= count(mode) {
			return stage.Result{}, errors.New("RequestLimitExceeded: slow down")
		}
		return stage.Ready("recovered"), nil
	}
	return stage.Result{}, fmt.Errorf("unknown fake mode %q", mode)
}

func (s *fakeStage) Delete(_ context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	s.mu.Lock()
	s.deletes[key(fd)]++
	n := s.deletes[key(fd)]
	s.mu.Unlock()

	mode := fd.Annotations[annotationPrefix+s.name+"-delete"]
	switch {
	case strings.HasPrefix(mode, "slow-") && n <= count(mode):
		return stage.Waiting("WaitingForThingDeleted", time.Second, "thing-%s still deleting", s.name), nil
	case strings.HasPrefix(mode, "transient-") && n <= count(mode):
		return stage.Result{}, errors.New("RequestLimitExceeded: slow down")
	case mode == "terminal" || strings.HasPrefix(mode, "terminal-") && n <= count(mode):
		return stage.Result{}, stage.Terminalf(v1alpha1.ReasonAccessDenied,
			"UnauthorizedOperation: not authorized to perform ec2:DeleteVpc")
	}
	s.log.add(key(fd), s.name)
	return stage.Ready("gone"), nil
}

func key(fd *v1alpha1.FlaskDeployment) string { return fd.Namespace + "/" + fd.Name }

func count(mode string) int {
	n, _ := strconv.Atoi(mode[strings.LastIndex(mode, "-")+1:])
	return n
}
