"""fastjsonschema validators generated from the shipped schemas (`make schemas`)."""
