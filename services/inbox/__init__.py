"""The department inbox (部门工单): what county departments see of routed tickets and do."""
