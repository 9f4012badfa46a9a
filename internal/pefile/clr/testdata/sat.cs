// A culture-specific (satellite-style) library: the Assembly row's
// Culture column is set, so dotnet.assembly.culture is defined.
using System.Reflection;

[assembly: AssemblyVersion("2.0.0.0")]
[assembly: AssemblyCulture("de-DE")]

namespace Cascade.Fixture.Resources
{
    public class Strings
    {
        public static string Greeting() { return "Guten Tag"; }
    }
}
