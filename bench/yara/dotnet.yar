import "dotnet"
rule dotnet_pinvoke { condition: for any m in dotnet.modulerefs : (m == "kernel32.dll" or m == "libc") }
rule dotnet_user_string { condition: for any s in dotnet.user_strings : (s contains "h\x00t\x00t\x00p\x00") }
rule dotnet_ref_system { condition: dotnet.is_dotnet == 1 and for any a in dotnet.assembly_refs : (a.name == "System" and a.version.major == 4) }
