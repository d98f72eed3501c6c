"""Source departments (报送部门): who may submit records."""
