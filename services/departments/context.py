"""What the departments context adds: a county's departments (县级部门), routing rules,
deadline policies and work calendar (工作日历), with `sanshi departments|calendar`."""

from services.kernel.registration import Context

CONTEXT = Context(
    name="departments",
    summary="county reference data: departments, routing rules, deadlines, the work calendar",
    query="services.departments.api:DepartmentsQuery",
    mutation="services.departments.api:DepartmentsMutation",
    commands="services.departments.cli:COMMANDS",
    # A county routes from day one: its default departments, rules and deadlines.
    on_county_created="services.departments.defaults:install_county_defaults",
)
