"""The pieces of tools/course_host.py: run a course-layout CRC server or client under a control API."""
