// A console program (a PE32 executable, whose entry point is the
// jmp [_CorExeMain] stub the dotnet module checks for) referencing
// System.Xml, so it has more than one assembly reference.
using System;
using System.Xml;

[assembly: System.Reflection.AssemblyVersion("7.0.65535.1")]
[assembly: System.Reflection.AssemblyCulture("")]

class Program
{
    const string Greeting = "héllo, wörld";

    static int Main(string[] args)
    {
        var doc = new XmlDocument();
        doc.LoadXml("<a b='c'/>");
        Console.WriteLine(Greeting + doc.DocumentElement.Name);
        return args.Length;
    }
}
