import "elf"
import "pe"
rule elf_dlopen { condition: for any s in elf.dynsym : (s.name == "dlopen") }
rule elf_exec_text { condition: elf.type == elf.ET_DYN and for any s in elf.sections : (s.name == ".text" and s.size > 100000) }
rule pe_any { condition: pe.is_pe == 1 and pe.number_of_sections > 2 }
rule pe_version { condition: pe.version_info["CompanyName"] contains "Microsoft" and pe.number_of_resources > 0 }
rule pe_any_import { condition: pe.imports(pe.IMPORT_ANY, /kernel32/i, /^Virtual/) > 0 }
rule pe_signed { condition: for any s in pe.signatures : (s.valid_on(1700000000)) }
