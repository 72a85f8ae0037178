package ecs

import "context"

// Placeholders while the load-balancing side is written; replaced by securitygroups.go
// and loadbalancer.go.

func (p *pass) reconcileSecurityGroups(context.Context) error      { return nil }
func (p *pass) reconcileLoadBalancer(context.Context) error        { return nil }
func (p *pass) reconcileTargetGroup(context.Context) error         { return nil }
func (p *pass) reconcileListener(context.Context) error            { return nil }
func (p *pass) deleteListener(context.Context) (bool, error)       { return true, nil }
func (p *pass) deleteLoadBalancer(context.Context) (bool, error)   { return true, nil }
func (p *pass) deleteTargetGroup(context.Context) (bool, error)    { return true, nil }
func (p *pass) deleteSecurityGroups(context.Context) (bool, error) { return true, nil }
