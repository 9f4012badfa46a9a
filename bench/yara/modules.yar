import "elf"
import "pe"
rule elf_dlopen { condition: for any s in elf.dynsym : (s.name == "dlopen") }
rule elf_exec_text { condition: elf.type == elf.ET_DYN and for any s in elf.sections : (s.name == ".text" and s.size > 100000) }
rule pe_any { condition: pe.is_pe == 1 and pe.number_of_sections > 2 }
