"""County reference data: departments (县级部门), routing rules, the work calendar, deadlines."""
